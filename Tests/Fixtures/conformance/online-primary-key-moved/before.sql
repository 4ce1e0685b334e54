CREATE TABLE parents (id integer PRIMARY KEY, code text NOT NULL);
CREATE TABLE children (id integer PRIMARY KEY, parent_id integer CONSTRAINT children_parent_id_fkey REFERENCES parents (id));
INSERT INTO parents SELECT g, 'p' || g FROM generate_series(1, 2000) g;
INSERT INTO children SELECT g, 1 + g % 2000 FROM generate_series(1, 6000) g;
