CREATE TABLE customers (
    id bigint,
    email text,
    note text
);
INSERT INTO customers SELECT g, 'c' || g || '@example.com', 'n' || g FROM generate_series(1, 500) g;
CREATE UNIQUE INDEX customers_id_key ON customers (id);
ANALYZE customers;
