CREATE TABLE nodes (id integer PRIMARY KEY, parent_id integer, label text);
INSERT INTO nodes VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b');
