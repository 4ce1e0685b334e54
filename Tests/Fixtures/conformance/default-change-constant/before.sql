CREATE TABLE t (id integer PRIMARY KEY, v text DEFAULT 'old');
INSERT INTO t VALUES (1, 'one'), (2, 'two');
