CREATE TABLE t (id integer PRIMARY KEY, mood text);
INSERT INTO t VALUES (1, 'sad'), (2, 'happy'), (3, NULL);
