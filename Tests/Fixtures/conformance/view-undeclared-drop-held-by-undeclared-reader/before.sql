CREATE TABLE orders (id integer PRIMARY KEY, total numeric NOT NULL);
INSERT INTO orders VALUES (1, 10), (2, 250), (3, 400);
CREATE VIEW a_base AS SELECT id, total FROM orders WHERE total > 100;
CREATE VIEW b_reader AS SELECT id FROM a_base;
