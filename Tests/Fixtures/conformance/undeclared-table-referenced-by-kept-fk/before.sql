CREATE TABLE t (id integer PRIMARY KEY, v text);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
CREATE TABLE lookup (id int PRIMARY KEY);
INSERT INTO lookup VALUES (1), (2);
ALTER TABLE t ADD COLUMN lookup_id int CONSTRAINT t_lookup_fkey REFERENCES lookup (id);
UPDATE t SET lookup_id = id;
