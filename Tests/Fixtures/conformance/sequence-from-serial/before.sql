CREATE TABLE invoices (number serial PRIMARY KEY, total numeric(12,2) NOT NULL);
INSERT INTO invoices (total) VALUES (10), (20), (30);
