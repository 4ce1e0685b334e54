CREATE TABLE t (id integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
INSERT INTO t (id) VALUES (1), (2);
