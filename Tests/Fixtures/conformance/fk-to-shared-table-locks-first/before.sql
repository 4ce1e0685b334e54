CREATE TABLE subscriptions (
    id integer PRIMARY KEY,
    plan_id integer NOT NULL
);
INSERT INTO subscriptions VALUES (1, 1), (2, 2), (3, 2);
