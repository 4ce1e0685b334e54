CREATE TABLE t (code text PRIMARY KEY);
INSERT INTO t VALUES ('a'), ('b'), ('c');
