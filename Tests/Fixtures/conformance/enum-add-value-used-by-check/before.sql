CREATE TYPE st AS ENUM ('a', 'b');
CREATE TABLE t (id integer PRIMARY KEY, s st NOT NULL);
INSERT INTO t VALUES (1, 'a');
