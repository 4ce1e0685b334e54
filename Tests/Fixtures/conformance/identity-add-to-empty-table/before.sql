CREATE TABLE t (id integer PRIMARY KEY, v text);
CREATE TABLE u (id integer PRIMARY KEY, v text);
INSERT INTO u VALUES (1, 'kept');
