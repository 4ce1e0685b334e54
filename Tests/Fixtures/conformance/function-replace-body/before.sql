CREATE FUNCTION vat(net numeric) RETURNS numeric LANGUAGE sql IMMUTABLE RETURN net * 0.2;
CREATE TABLE items (id integer PRIMARY KEY, net numeric NOT NULL, tax numeric DEFAULT vat(0));
INSERT INTO items VALUES (1, 10, 2), (2, 20, 4);
