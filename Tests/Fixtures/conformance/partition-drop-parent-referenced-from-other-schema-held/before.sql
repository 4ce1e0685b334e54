CREATE TABLE events (id bigint NOT NULL, placed_at date NOT NULL, PRIMARY KEY (id, placed_at)) PARTITION BY RANGE (placed_at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO events VALUES (1, '2025-02-01'), (2, '2025-03-01'), (3, '2026-02-01');
ALTER TABLE public.audits ADD CONSTRAINT audits_event_fk FOREIGN KEY (event_id, event_at) REFERENCES events (id, placed_at);
INSERT INTO public.audits VALUES (10, 1, '2025-02-01'), (11, 3, '2026-02-01');
