CREATE TABLE t (id integer PRIMARY KEY, priority integer);
INSERT INTO t VALUES (1, 2);
