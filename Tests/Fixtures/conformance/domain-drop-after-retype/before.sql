CREATE DOMAIN legacy_code AS text;
CREATE TABLE items (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code legacy_code);
INSERT INTO items (code) VALUES ('a'), ('b');
