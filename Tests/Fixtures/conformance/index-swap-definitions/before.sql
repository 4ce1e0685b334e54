CREATE TABLE t (id integer PRIMARY KEY, a text, b text);
CREATE INDEX t_x ON t (a); CREATE INDEX t_y ON t (b);
INSERT INTO t VALUES (1, 'a', 'b');
