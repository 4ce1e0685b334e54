CREATE TABLE t (id integer PRIMARY KEY, v text);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
ALTER TABLE t ADD COLUMN legacy_flag boolean;
UPDATE t SET legacy_flag = (id = 1);
