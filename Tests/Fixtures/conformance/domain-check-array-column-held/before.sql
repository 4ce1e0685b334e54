CREATE DOMAIN code AS text;
CREATE DOMAIN short_code AS code;
CREATE TABLE items (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, c code, tags short_code[]);
INSERT INTO items (c, tags) VALUES ('ab', '{x,y}'), ('cd', NULL);
