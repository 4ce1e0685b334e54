CREATE TABLE items (
    id integer PRIMARY KEY,
    name text
);
INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c');
