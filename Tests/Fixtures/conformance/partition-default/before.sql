CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, kind text NOT NULL, note text) PARTITION BY LIST (kind);
CREATE TABLE events_click PARTITION OF events FOR VALUES IN ('click', 'tap');
INSERT INTO events (kind, note) VALUES ('click', 'a'), ('tap', 'b');
