CREATE TABLE t (id integer PRIMARY KEY, v text);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
ALTER TABLE t ADD COLUMN old_col int;
CREATE INDEX t_v_extra ON t (v);
CREATE TABLE scratch (n int);
INSERT INTO scratch VALUES (1);
CREATE TYPE old_kind AS ENUM ('x');
