CREATE TABLE orders (id integer PRIMARY KEY, customer text NOT NULL, total numeric NOT NULL);
INSERT INTO orders VALUES (1, 'ann', 10), (2, 'bob', 250);
CREATE VIEW big_orders AS SELECT id, customer FROM orders WHERE total > 100;
CREATE VIEW big_report AS SELECT customer FROM big_orders;
