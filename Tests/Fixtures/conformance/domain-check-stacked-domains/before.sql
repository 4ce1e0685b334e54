CREATE DOMAIN code AS text;
CREATE DOMAIN short_code AS code;
CREATE DOMAIN "Tiny Code" AS short_code;
CREATE TABLE items (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, c "Tiny Code");
CREATE TABLE events (at date NOT NULL, c short_code) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO items (c) VALUES ('ab'), ('cd'), (NULL);
INSERT INTO events VALUES ('2026-03-01', 'ef'), ('2026-04-01', NULL);
