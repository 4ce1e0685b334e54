CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL, CONSTRAINT t_v_positive CHECK (v > 0));
INSERT INTO t VALUES (1, 5), (2, 7);
