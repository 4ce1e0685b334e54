CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL, stock integer NOT NULL DEFAULT 0);
INSERT INTO products VALUES (1, 'pen', 1.50, 10), (2, 'ink', 7.00, 0), (3, 'pad', 3.25, 4);
ALTER TABLE products ADD CONSTRAINT products_stock_check CHECK (stock >= 0);
