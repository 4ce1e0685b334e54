CREATE TABLE t (
    id integer PRIMARY KEY,
    v text
);
INSERT INTO t VALUES (1, 'abc'), (2, 'a value longer than twenty');
