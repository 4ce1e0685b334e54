CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, placed_at date NOT NULL, note text, PRIMARY KEY (id, placed_at)) PARTITION BY RANGE (placed_at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO events (placed_at, note) VALUES ('2025-05-01', 'old'), ('2026-05-01', 'a'), ('2026-06-01', 'b');
CREATE UNLOGGED TABLE sessions (token text PRIMARY KEY, user_name text);
INSERT INTO sessions VALUES ('t1', 'ann'), ('t2', 'bob');
