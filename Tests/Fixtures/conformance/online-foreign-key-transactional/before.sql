CREATE TABLE customers (id bigint PRIMARY KEY);
INSERT INTO customers SELECT g FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);
INSERT INTO orders SELECT g, 1 + g % 100 FROM generate_series(1, 300) g;
