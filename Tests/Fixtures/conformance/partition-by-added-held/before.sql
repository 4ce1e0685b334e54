CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, placed_at date NOT NULL);
INSERT INTO events (placed_at) VALUES ('2026-02-01');
