CREATE TABLE accounts (id integer PRIMARY KEY, external_ref text);
INSERT INTO accounts VALUES (1, 'x-1'), (2, NULL), (3, NULL);
