CREATE TABLE parents (region text NOT NULL, code integer NOT NULL, id integer NOT NULL, PRIMARY KEY (region, code));
CREATE TABLE children (id integer PRIMARY KEY, region text, code integer, CONSTRAINT children_parent_fkey FOREIGN KEY (region, code) REFERENCES parents (region, code));
INSERT INTO parents VALUES ('eu', 1, 100), ('us', 1, 200);
INSERT INTO children VALUES (10, 'eu', 1), (11, 'us', 1);
