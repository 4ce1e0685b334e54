CREATE TABLE people (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
INSERT INTO people (name) VALUES ('ann'), ('bob');
