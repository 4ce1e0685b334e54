CREATE TABLE t (
    id integer PRIMARY KEY,
    v timestamp
);
INSERT INTO t VALUES (1, '2026-01-02 03:04:05'), (2, NULL);
