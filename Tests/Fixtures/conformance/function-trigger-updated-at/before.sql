CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    note text,
    updated_at timestamptz NOT NULL DEFAULT '2000-01-01'
);
INSERT INTO orders (note) VALUES ('a'), ('b');
