CREATE TABLE items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO items (name) VALUES ('a'), ('b'), ('c');

CREATE TABLE legacy (id integer PRIMARY KEY, note text);
INSERT INTO legacy VALUES (1, 'x'), (2, 'y');
