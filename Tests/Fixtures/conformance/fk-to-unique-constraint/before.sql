CREATE TABLE users (id integer PRIMARY KEY, handle text NOT NULL CONSTRAINT users_handle_key UNIQUE);
CREATE TABLE posts (id integer PRIMARY KEY, author text);
INSERT INTO users VALUES (1, 'ann'), (2, 'bob');
INSERT INTO posts VALUES (1, 'ann'), (2, 'ann'), (3, NULL);
