CREATE TABLE customers (id integer PRIMARY KEY, name text);
CREATE TABLE clients (id integer PRIMARY KEY, name text);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer CONSTRAINT orders_customer_id_fkey REFERENCES customers (id));
INSERT INTO customers VALUES (1, 'old a'), (2, 'old b');
INSERT INTO clients VALUES (1, 'a'), (2, 'b');
INSERT INTO orders VALUES (10, 1), (11, 2);
