CREATE TABLE orders (id integer PRIMARY KEY, status text NOT NULL);
INSERT INTO orders VALUES (1, 'open'), (2, 'shipped');
CREATE VIEW shipped AS SELECT id FROM orders WHERE status = 'shipped';
