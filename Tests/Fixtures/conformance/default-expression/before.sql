CREATE TABLE t (id integer PRIMARY KEY, due date);
INSERT INTO t VALUES (1, '2020-02-02'), (2, NULL);
