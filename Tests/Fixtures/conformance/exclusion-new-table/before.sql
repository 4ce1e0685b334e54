CREATE TABLE rooms (id integer PRIMARY KEY, name text);
INSERT INTO rooms VALUES (101, 'Blue'), (102, 'Red');
