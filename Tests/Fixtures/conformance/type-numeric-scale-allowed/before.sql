CREATE TABLE t (
    id integer PRIMARY KEY,
    v numeric(10,3)
);
INSERT INTO t VALUES (1, 1.234), (2, 2.25);
