-- A backfill stopped before its end (killed, or its apply interrupted): the
-- first transaction committed, 10,000 rows of 25,000 were filled.
CREATE TABLE sessions (id bigint PRIMARY KEY, user_name text NOT NULL);
INSERT INTO sessions SELECT g, 'user ' || g FROM generate_series(1, 25000) g;
ALTER TABLE sessions ADD COLUMN token uuid;
ALTER TABLE sessions ALTER COLUMN token SET DEFAULT gen_random_uuid();
ALTER TABLE sessions ADD CONSTRAINT tenantplan_backfill_token CHECK (true) NOT VALID;
UPDATE sessions SET token = DEFAULT WHERE id <= 10000;
