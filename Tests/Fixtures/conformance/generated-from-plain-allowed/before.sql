CREATE TABLE t (id integer PRIMARY KEY, price numeric(10,2) NOT NULL, qty integer NOT NULL, total numeric(12,2));
INSERT INTO t (id, price, qty) VALUES (1, 2.50, 4), (2, 10.00, 1);
