CREATE TABLE steps (id integer PRIMARY KEY, pos integer NOT NULL, label text);
INSERT INTO steps VALUES (1, 1, 'draft'), (2, 2, 'review'), (3, 3, 'ship');
