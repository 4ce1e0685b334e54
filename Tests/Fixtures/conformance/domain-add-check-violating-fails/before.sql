CREATE DOMAIN email AS text;
CREATE TABLE users (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, address email);
INSERT INTO users (address) VALUES ('a@x'), ('not an address');
