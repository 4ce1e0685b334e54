CREATE TYPE address AS (street text, city text, fax text);
CREATE TABLE people (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, home address);
INSERT INTO people (home) VALUES (ROW('1 Main St', 'Springfield', '555'));
