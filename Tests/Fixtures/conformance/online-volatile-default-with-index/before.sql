CREATE TABLE customers (id integer PRIMARY KEY, name text);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, total numeric(10,2) NOT NULL);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 300) g;
INSERT INTO orders SELECT g, 1 + g % 300, g % 50 FROM generate_series(1, 8000) g;
