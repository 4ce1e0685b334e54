CREATE SEQUENCE legacy_numbers START WITH 500;
SELECT nextval('legacy_numbers');
CREATE TABLE notes (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);
INSERT INTO notes (body) VALUES ('a'), ('b');
