CREATE FUNCTION dbl(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT $1 * 2 $$;
CREATE TABLE t (id integer PRIMARY KEY, total integer, doubled integer GENERATED ALWAYS AS (dbl(total)) STORED);
INSERT INTO t (id, total) VALUES (1, 10);
