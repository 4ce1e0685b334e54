CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, name text);
INSERT INTO users VALUES (1, 'ann@example.com', 'Ann'), (2, 'bob@example.com', 'Bob');
