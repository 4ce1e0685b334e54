CREATE TABLE customers (id integer PRIMARY KEY);
CREATE TABLE orders (id integer PRIMARY KEY, cust integer NOT NULL CONSTRAINT orders_customer_fkey REFERENCES customers (id) CONSTRAINT orders_cust_positive CHECK (cust > 0));
INSERT INTO customers VALUES (1), (2);
INSERT INTO orders VALUES (1, 1), (2, 2);
