CREATE TABLE t (
    id integer PRIMARY KEY,
    v real
);
INSERT INTO t VALUES (1, 1.5), (2, -2.25);
