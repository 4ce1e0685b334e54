CREATE TABLE keep (id integer PRIMARY KEY);
INSERT INTO keep VALUES (1), (2);
