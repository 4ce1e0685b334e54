CREATE TYPE legacy_pair AS (a integer, b integer);
CREATE TABLE notes (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);
INSERT INTO notes (body) VALUES ('a'), ('b');
