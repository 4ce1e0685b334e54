CREATE TABLE orders (id integer PRIMARY KEY, customer text NOT NULL, total numeric NOT NULL);
INSERT INTO orders VALUES (1, 'ann', 10), (2, 'bob', 250), (3, 'ann', 40);
