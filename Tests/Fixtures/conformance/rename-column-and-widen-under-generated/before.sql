CREATE TABLE t (id integer PRIMARY KEY, q smallint NOT NULL, d integer GENERATED ALWAYS AS (q * 2) STORED);
INSERT INTO t (id, q) VALUES (1, 3);
