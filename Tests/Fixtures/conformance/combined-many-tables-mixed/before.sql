CREATE TABLE a (id integer PRIMARY KEY, v text);
CREATE TABLE b (id integer PRIMARY KEY, v varchar(10));
CREATE TABLE c (id integer PRIMARY KEY, v text NOT NULL);
CREATE TABLE d (id integer PRIMARY KEY, v text DEFAULT 'x');
CREATE TABLE e (id integer PRIMARY KEY, v text);
INSERT INTO a VALUES (1, 'a'); INSERT INTO b VALUES (1, 'b'); INSERT INTO c VALUES (1, 'c');
INSERT INTO d VALUES (1, 'd'); INSERT INTO e VALUES (1, 'e');
