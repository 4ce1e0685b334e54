CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    name text
);
CREATE TABLE items (
    id integer PRIMARY KEY,
    account_id bigint,
    qty integer
);
INSERT INTO accounts VALUES (1, 'a'), (2, 'b');
INSERT INTO items VALUES (1, 1, 5), (2, 2, 6), (3, NULL, 7);
