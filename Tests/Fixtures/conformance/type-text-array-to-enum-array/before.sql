CREATE TABLE t (id integer PRIMARY KEY, moods text[]);
INSERT INTO t VALUES (1, '{sad,ok}'), (2, '{}');
