CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, placed_at date NOT NULL, kind text NOT NULL, PRIMARY KEY (id, placed_at)) PARTITION BY RANGE (placed_at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
INSERT INTO events (placed_at, kind) VALUES ('2026-02-01', 'click'), ('2027-03-01', 'tap');
