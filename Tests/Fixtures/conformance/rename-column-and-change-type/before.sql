CREATE TABLE t (id integer PRIMARY KEY, qty smallint NOT NULL);
INSERT INTO t VALUES (1, 5), (2, 300);
