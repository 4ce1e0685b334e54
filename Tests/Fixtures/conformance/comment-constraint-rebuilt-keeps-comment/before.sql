CREATE TABLE t (id integer PRIMARY KEY, qty integer, name text);
INSERT INTO t VALUES (1, 1, 'a'), (2, 5, 'b');
ALTER TABLE t ADD CONSTRAINT t_qty_check CHECK (qty > 0);
COMMENT ON CONSTRAINT t_qty_check ON t IS 'Positive quantities';
CREATE INDEX t_name_idx ON t (name);
COMMENT ON INDEX t_name_idx IS 'Lookup by name';
