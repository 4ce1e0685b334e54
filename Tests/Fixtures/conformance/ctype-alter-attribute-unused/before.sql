CREATE TYPE address AS (street text, zip varchar(5));
CREATE TABLE people (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
INSERT INTO people (name) VALUES ('ann');
