CREATE TABLE t (id integer PRIMARY KEY, v text, w text);
CREATE INDEX t_w_idx ON t (w);
INSERT INTO t VALUES (1, 'a', 'b');
