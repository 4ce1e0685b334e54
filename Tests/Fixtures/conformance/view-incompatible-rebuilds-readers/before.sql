CREATE TABLE orders (id integer PRIMARY KEY, customer text NOT NULL, total numeric NOT NULL);
INSERT INTO orders VALUES (1, 'ann', 10), (2, 'bob', 250), (3, 'cy', 40);
CREATE VIEW big_orders AS SELECT id, customer, total FROM orders WHERE total > 100;
CREATE VIEW big_customers AS SELECT DISTINCT customer FROM big_orders;
