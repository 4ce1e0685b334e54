CREATE TABLE t (id integer PRIMARY KEY, mood text);
INSERT INTO t VALUES (1, 'sad');
