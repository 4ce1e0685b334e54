CREATE TABLE base (id integer, v text);
CREATE TABLE t (id integer PRIMARY KEY, v text) INHERITS (base);
INSERT INTO t VALUES (1, 'a');
