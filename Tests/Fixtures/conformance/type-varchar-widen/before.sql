CREATE TABLE t (
    id integer PRIMARY KEY,
    v varchar(10)
);
INSERT INTO t VALUES (1, 'short'), (2, 'tenchars!!'), (3, NULL);
