CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, placed_at date NOT NULL, kind text NOT NULL) PARTITION BY RANGE (placed_at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO events (placed_at, kind) VALUES ('2026-02-01', 'click'), ('2026-03-01', 'tap');
