CREATE TABLE t (
    id integer PRIMARY KEY,
    v smallint
);
INSERT INTO t VALUES (1, 32767), (2, 0);
