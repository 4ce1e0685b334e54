CREATE TYPE address AS (city text, street text);
CREATE TABLE people (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, home address);
INSERT INTO people (home) VALUES (ROW('Springfield', '1 Main St'));
