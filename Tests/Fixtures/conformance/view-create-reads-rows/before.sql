CREATE TABLE orders (id integer PRIMARY KEY, customer text NOT NULL, status text NOT NULL);
INSERT INTO orders VALUES (1, 'ann', 'open'), (2, 'bob', 'shipped'), (3, 'cy', 'open');
