CREATE TABLE items (
    id integer PRIMARY KEY,
    account_id bigint,
    qty integer
);
INSERT INTO items VALUES (1, NULL, 5), (2, NULL, 6);
