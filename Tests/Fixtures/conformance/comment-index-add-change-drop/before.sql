CREATE TABLE t (id integer PRIMARY KEY, email text, name text, created date);
INSERT INTO t VALUES (1, 'a@x', 'Ann', '2026-01-01'), (2, 'b@x', 'Bob', '2026-01-02'), (3, NULL, 'Cy', NULL);
CREATE INDEX t_email_idx ON t (email);
CREATE INDEX t_name_idx ON t (name);
CREATE INDEX t_created_idx ON t (created);
COMMENT ON INDEX t_name_idx IS 'old text';
COMMENT ON INDEX t_created_idx IS 'to remove';
