CREATE TABLE t (id integer PRIMARY KEY, v text, legacy text);
INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'y');
ALTER TABLE t ADD CONSTRAINT legacy_check CHECK (legacy <> '' AND v <> '');
