CREATE TABLE t (
    id integer PRIMARY KEY,
    v numeric(8,2)
);
INSERT INTO t VALUES (1, 123456.78), (2, 0.5);
