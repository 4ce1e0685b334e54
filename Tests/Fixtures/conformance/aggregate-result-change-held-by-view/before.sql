CREATE TABLE events (id integer PRIMARY KEY, weight integer NOT NULL);
INSERT INTO events VALUES (1, 2), (2, 3);
CREATE FUNCTION weigh(total bigint, w integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT total + w $$;
CREATE FUNCTION weigh_numeric(total numeric, w integer) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT total + w $$;
CREATE AGGREGATE total_weight(integer) (SFUNC = weigh, STYPE = bigint, INITCOND = '0');
CREATE VIEW heavy AS SELECT total_weight(weight) AS total FROM events;
