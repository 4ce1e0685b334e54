CREATE DOMAIN code AS varchar(4);
CREATE TYPE labelled AS (code code, label text);
CREATE TABLE items (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tag labelled);
INSERT INTO items (tag) VALUES (ROW('AB', 'first')), (ROW('CD', 'second'));
