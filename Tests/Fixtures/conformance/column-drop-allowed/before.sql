CREATE TABLE items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    legacy text
);
INSERT INTO items (name) VALUES ('a'), ('b'), ('c');
UPDATE items SET legacy = 'old';
