CREATE TABLE t (id integer PRIMARY KEY, data jsonb NOT NULL, tags text[]);
INSERT INTO t VALUES (1, '{"a": 1}', '{x}'), (2, '[]', NULL);
