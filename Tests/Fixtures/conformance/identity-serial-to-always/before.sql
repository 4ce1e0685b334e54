CREATE TABLE t (c2 serial PRIMARY KEY, v text);
INSERT INTO t (v) VALUES ('a'), ('b'), ('c'), ('d');
DELETE FROM t WHERE c2 = 4;
