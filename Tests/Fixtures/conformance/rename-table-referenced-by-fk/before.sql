CREATE TABLE clients (id integer PRIMARY KEY, name text);
CREATE TABLE orders (id integer PRIMARY KEY, client_id integer CONSTRAINT orders_client_id_fkey REFERENCES clients (id));
INSERT INTO clients VALUES (1, 'a'), (2, 'b');
INSERT INTO orders VALUES (10, 1), (11, 2), (12, 2);
