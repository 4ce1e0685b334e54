CREATE TABLE t (
    id integer PRIMARY KEY,
    v varchar(10)
);
INSERT INTO t VALUES (1, 'a'), (2, 'bb');
