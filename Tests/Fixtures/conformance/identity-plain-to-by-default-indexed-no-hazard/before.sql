CREATE TABLE t (id integer PRIMARY KEY, n integer NOT NULL, v text);
INSERT INTO t VALUES (1, 10, 'a'), (2, 30, 'b'), (3, 20, 'c');
CREATE INDEX t_n_idx ON t (n, v);
