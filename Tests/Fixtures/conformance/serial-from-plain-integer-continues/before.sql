CREATE TABLE t (c2 integer PRIMARY KEY, v text);
INSERT INTO t VALUES (7, 'a'), (8, 'b');
