CREATE FUNCTION bucket(d date) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT extract(year FROM d)::integer $$;
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, placed_at date NOT NULL) PARTITION BY RANGE (bucket(placed_at));
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM (2026) TO (2027);
INSERT INTO events (placed_at) VALUES ('2026-02-01'), ('2026-07-01');
