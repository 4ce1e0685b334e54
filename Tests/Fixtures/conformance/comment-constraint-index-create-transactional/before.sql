CREATE TABLE accounts (id integer PRIMARY KEY, email text, balance numeric);
INSERT INTO accounts VALUES (1, 'a@x', 10), (2, 'b@x', 0), (3, NULL, 5);
