CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL, g integer GENERATED ALWAYS AS (v * 2) STORED);
INSERT INTO t (id, v) VALUES (1, 5), (2, 7);
