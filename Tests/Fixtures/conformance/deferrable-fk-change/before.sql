CREATE TABLE parents (id integer PRIMARY KEY, name text);
CREATE TABLE children (id integer PRIMARY KEY, parent_id integer REFERENCES parents (id));
INSERT INTO parents VALUES (1, 'a'), (2, 'b');
INSERT INTO children VALUES (10, 1), (11, 2), (12, 2);
