CREATE TABLE orders (id integer PRIMARY KEY, status text NOT NULL, total numeric NOT NULL);
INSERT INTO orders VALUES (1, 'open', 10), (2, 'shipped', 20), (3, 'open', 5);
