CREATE TABLE purchases (id serial PRIMARY KEY, note text);
INSERT INTO purchases (note) VALUES ('a'), ('b');
