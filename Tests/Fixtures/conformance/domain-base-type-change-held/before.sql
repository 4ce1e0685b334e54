CREATE DOMAIN code AS varchar(4);
CREATE TABLE items (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code code);
INSERT INTO items (code) VALUES ('AB'), ('CD');
