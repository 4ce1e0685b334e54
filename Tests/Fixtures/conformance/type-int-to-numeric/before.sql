CREATE TABLE t (
    id integer PRIMARY KEY,
    v integer
);
INSERT INTO t VALUES (1, 42), (2, -1);
