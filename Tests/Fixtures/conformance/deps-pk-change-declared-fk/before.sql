CREATE TABLE parents (id integer PRIMARY KEY, code text NOT NULL);
CREATE TABLE children (id integer PRIMARY KEY, parent_id integer CONSTRAINT children_parent_id_fkey REFERENCES parents (id));
INSERT INTO parents VALUES (1, 'p1'), (2, 'p2');
INSERT INTO children VALUES (10, 1), (11, 2);
