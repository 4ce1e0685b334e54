CREATE TABLE events (id bigint PRIMARY KEY, kind text, at timestamptz);
CREATE INDEX events_kind_idx ON events (kind);
CREATE INDEX events_at_idx ON events (at) WITH (fillfactor = 90);
INSERT INTO events VALUES (1, 'login', '2026-01-01'), (2, 'logout', '2026-01-02'), (3, 'login', '2026-01-03');
