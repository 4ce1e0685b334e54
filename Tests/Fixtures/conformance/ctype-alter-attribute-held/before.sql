CREATE TYPE address AS (street text, zip varchar(5));
CREATE TABLE people (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, home address);
INSERT INTO people (home) VALUES (ROW('1 Main St', '12345'));
