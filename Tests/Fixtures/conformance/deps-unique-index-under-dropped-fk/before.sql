CREATE TABLE parents (
    id integer PRIMARY KEY,
    code text NOT NULL
);
CREATE UNIQUE INDEX parents_code_idx ON parents (code);
CREATE TABLE children (
    id integer PRIMARY KEY,
    parent_code text CONSTRAINT children_parent_code_fkey REFERENCES parents (code)
);
INSERT INTO parents VALUES (1, 'a'), (2, 'b');
INSERT INTO children VALUES (1, 'a'), (2, 'b'), (3, NULL);
