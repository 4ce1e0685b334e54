CREATE TABLE t (id int PRIMARY KEY, email text, name text);
INSERT INTO t VALUES (1, 'a@x', 'Ann'), (2, 'b@x', 'Bob');
ALTER TABLE t ADD CONSTRAINT t_id_positive CHECK (id > 0);
