CREATE TABLE customers (
    id bigint,
    email text,
    note text
);
INSERT INTO customers SELECT g, 'c' || g || '@example.com', 'n' || g FROM generate_series(1, 500) g;
