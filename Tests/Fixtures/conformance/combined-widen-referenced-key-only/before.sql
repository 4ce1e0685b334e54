CREATE TABLE p (id integer PRIMARY KEY);
CREATE TABLE c (id integer PRIMARY KEY, p_id integer CONSTRAINT c_p_fkey REFERENCES p (id));
INSERT INTO p VALUES (1), (2); INSERT INTO c VALUES (1, 1), (2, 2);
