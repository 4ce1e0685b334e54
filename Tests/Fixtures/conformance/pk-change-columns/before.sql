CREATE TABLE t (id integer PRIMARY KEY, region text NOT NULL, name text);
INSERT INTO t VALUES (1, 'eu', 'a'), (2, 'us', 'b');
