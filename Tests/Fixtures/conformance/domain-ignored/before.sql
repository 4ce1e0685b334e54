CREATE DOMAIN ext_code AS text CHECK (VALUE <> '');
CREATE TABLE items (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code ext_code);
INSERT INTO items (code) VALUES ('a'), ('b');
