CREATE TABLE items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO items (name) VALUES ('a'), ('b'), ('c');

CREATE TABLE old_a (id integer PRIMARY KEY, b_id integer);
CREATE TABLE old_b (id integer PRIMARY KEY, a_id integer REFERENCES old_a (id));
ALTER TABLE old_a ADD CONSTRAINT old_a_b_fkey FOREIGN KEY (b_id) REFERENCES old_b (id);
INSERT INTO old_a VALUES (1, NULL);
INSERT INTO old_b VALUES (1, 1);
