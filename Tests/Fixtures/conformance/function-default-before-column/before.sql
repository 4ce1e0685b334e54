CREATE TABLE invoices (id integer PRIMARY KEY, total numeric NOT NULL);
INSERT INTO invoices VALUES (1, 10), (2, 20);
