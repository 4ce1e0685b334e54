CREATE TABLE t (num serial PRIMARY KEY, v text);
INSERT INTO t (v) VALUES ('a'), ('b');
