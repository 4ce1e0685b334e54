CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    seen_at timestamptz DEFAULT transaction_timestamp()
);
INSERT INTO events DEFAULT VALUES;
INSERT INTO events DEFAULT VALUES;
