CREATE TABLE t (id integer PRIMARY KEY, v text) WITH (fillfactor = 70);
INSERT INTO t VALUES (1, 'a');
