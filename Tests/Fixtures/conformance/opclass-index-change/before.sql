CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, name text);
CREATE INDEX users_email_prefix_idx ON users (email);
INSERT INTO users VALUES (1, 'ann@example.com', 'Ann'), (2, 'bob@example.com', 'Bob');
