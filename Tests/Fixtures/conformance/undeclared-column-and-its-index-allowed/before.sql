CREATE TABLE t (id integer PRIMARY KEY, v text, legacy text);
INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'y');
CREATE INDEX hotfix_legacy ON t (legacy);
