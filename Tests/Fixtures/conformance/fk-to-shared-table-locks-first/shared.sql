CREATE TABLE plans (
    id integer PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO plans VALUES (1, 'free'), (2, 'pro');
