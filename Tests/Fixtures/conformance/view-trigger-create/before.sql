CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL, archived boolean NOT NULL DEFAULT false);
INSERT INTO notes VALUES (1, 'a', false), (2, 'b', true);
