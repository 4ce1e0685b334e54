CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL);
CREATE INDEX t_v_plus ON t ((v + 1)) WHERE v > 2;
INSERT INTO t VALUES (1, 5), (2, 7);
