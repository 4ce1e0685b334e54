CREATE TABLE parent (id integer PRIMARY KEY, name text);
CREATE TABLE t (id integer PRIMARY KEY, parent_id integer);
INSERT INTO parent VALUES (1, 'a'), (2, 'b');
INSERT INTO t VALUES (10, 1), (11, 2);
ALTER TABLE t ADD CONSTRAINT t_parent_fkey FOREIGN KEY (parent_id) REFERENCES parent (id);
