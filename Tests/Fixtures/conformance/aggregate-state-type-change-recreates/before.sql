CREATE TABLE events (id integer PRIMARY KEY, weight integer NOT NULL);
INSERT INTO events VALUES (1, 2), (2, 3), (3, 4);
CREATE FUNCTION weigh(total bigint, w integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT total + w * w $$;
CREATE AGGREGATE sum_of_squares(integer) (SFUNC = weigh, STYPE = bigint, INITCOND = '0');
COMMENT ON AGGREGATE sum_of_squares(integer) IS 'squares';
