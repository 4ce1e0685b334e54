CREATE TABLE t (id integer PRIMARY KEY, code varchar(10) COLLATE "C" NOT NULL);
INSERT INTO t VALUES (1, 'x'), (2, 'y');
