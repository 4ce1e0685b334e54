CREATE TABLE parents (id integer UNIQUE, name text);
CREATE TABLE children (id integer PRIMARY KEY, parent_id integer CONSTRAINT children_parent_id_fkey REFERENCES parents (id));
INSERT INTO parents VALUES (1, 'a'), (2, 'b');
INSERT INTO children VALUES (10, 1), (11, 2);
CREATE TABLE audit (id integer PRIMARY KEY, parent_id integer CONSTRAINT audit_parent_id_fkey REFERENCES parents (id));
INSERT INTO audit VALUES (100, 1);
