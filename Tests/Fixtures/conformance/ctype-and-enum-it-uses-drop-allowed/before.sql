CREATE TABLE notes (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);
INSERT INTO notes (body) VALUES ('x'), ('y');
CREATE TYPE legacy_state AS ENUM ('open', 'closed');
CREATE TYPE legacy_pair AS (state legacy_state, n integer);
CREATE DOMAIN legacy_wrapped AS legacy_pair;
