CREATE TABLE people (id integer PRIMARY KEY, mail text NOT NULL);
INSERT INTO people VALUES (1, 'a@x'), (2, 'b@x');
