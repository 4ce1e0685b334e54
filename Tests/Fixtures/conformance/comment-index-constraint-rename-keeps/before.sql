CREATE TABLE t (id integer PRIMARY KEY, name text, qty integer);
INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2);
CREATE INDEX t_name_old ON t (name);
COMMENT ON INDEX t_name_old IS 'Lookup by name';
ALTER TABLE t ADD CONSTRAINT t_qty_old CHECK (qty > 0);
COMMENT ON CONSTRAINT t_qty_old ON t IS 'Old text';
