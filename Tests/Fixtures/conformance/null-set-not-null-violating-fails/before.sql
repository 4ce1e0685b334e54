CREATE TABLE t (
    id integer PRIMARY KEY,
    v text 
);
INSERT INTO t VALUES (1, 'x'), (2, NULL);
