CREATE TABLE orders (id integer PRIMARY KEY, status text NOT NULL);
INSERT INTO orders VALUES (1, 'open'), (2, 'shipped');
CREATE VIEW report_open AS SELECT id FROM orders WHERE status = 'open';
CREATE VIEW report_all AS SELECT id, status FROM orders;
