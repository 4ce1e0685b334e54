CREATE TABLE t (id integer PRIMARY KEY, priority text);
INSERT INTO t VALUES (1, 'high'), (2, 'low');
