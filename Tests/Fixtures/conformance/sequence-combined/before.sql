CREATE SEQUENCE order_number START WITH 100;
SELECT nextval('order_number');
CREATE SEQUENCE legacy_numbers;
CREATE TABLE orders (id serial PRIMARY KEY, number bigint NOT NULL DEFAULT nextval('order_number'));
INSERT INTO orders DEFAULT VALUES;
INSERT INTO orders DEFAULT VALUES;
