CREATE TABLE audit_log (at timestamptz NOT NULL DEFAULT now(), line text);
INSERT INTO audit_log (at, line) SELECT timestamptz '2026-01-01' + g * interval '1 minute', 'line ' || g FROM generate_series(1, 15000) g;
INSERT INTO audit_log (at, line) SELECT timestamptz '2026-01-01', 'duplicate' FROM generate_series(1, 3) g;
