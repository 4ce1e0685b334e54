CREATE FUNCTION label(n integer) RETURNS text LANGUAGE sql AS $$ SELECT 'n' || n $$;
CREATE TABLE t (id integer PRIMARY KEY);
INSERT INTO t VALUES (1), (2);
