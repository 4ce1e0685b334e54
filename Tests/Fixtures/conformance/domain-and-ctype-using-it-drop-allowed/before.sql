CREATE TABLE notes (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);
INSERT INTO notes (body) VALUES ('x'), ('y');
CREATE DOMAIN legacy_code AS varchar(4) CHECK (VALUE ~ '^[A-Z]+$');
CREATE TYPE legacy_pair AS (code legacy_code, n integer);
