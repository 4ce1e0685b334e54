CREATE TABLE t (id integer PRIMARY KEY, st text NOT NULL DEFAULT 'new');
COMMENT ON COLUMN t.st IS 'state';
INSERT INTO t VALUES (1, 'old'), (2, 'new');
