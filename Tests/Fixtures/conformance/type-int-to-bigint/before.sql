CREATE TABLE t (
    id integer PRIMARY KEY,
    v integer
);
INSERT INTO t VALUES (1, 2147483647), (2, -5);
