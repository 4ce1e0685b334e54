CREATE TYPE address AS (street text, city text);
CREATE TABLE people (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, home address);
INSERT INTO people (home) VALUES (ROW('1 Main St', 'Springfield')), (ROW('2 Elm St', 'Shelbyville'));
