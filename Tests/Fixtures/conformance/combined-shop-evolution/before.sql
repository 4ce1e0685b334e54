CREATE TABLE customers (id integer PRIMARY KEY, email varchar(100) NOT NULL, name text);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id), total numeric(8,2) NOT NULL, note text);
INSERT INTO customers VALUES (1, 'a@x', 'Ann'), (2, 'b@x', NULL);
INSERT INTO orders VALUES (10, 1, 9.99, NULL), (11, 1, 100.00, 'gift'), (12, 2, 0.50, NULL);
