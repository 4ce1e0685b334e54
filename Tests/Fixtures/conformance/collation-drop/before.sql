CREATE TABLE t (id integer PRIMARY KEY, name text COLLATE "C");
CREATE INDEX t_name_idx ON t (name);
INSERT INTO t VALUES (1, 'b'), (2, 'B'), (3, 'a');
