CREATE TABLE t (
    id integer PRIMARY KEY,
    v text NOT NULL
);
INSERT INTO t VALUES (1, 'x'), (2, 'y');
