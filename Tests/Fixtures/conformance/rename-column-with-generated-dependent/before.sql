CREATE TABLE t (id integer PRIMARY KEY, p numeric NOT NULL, doubled numeric GENERATED ALWAYS AS (p * 2) STORED);
INSERT INTO t (id, p) VALUES (1, 2), (2, 3.5);
