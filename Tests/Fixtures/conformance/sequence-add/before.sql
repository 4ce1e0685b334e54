CREATE TABLE invoices (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric(12,2) NOT NULL);
INSERT INTO invoices (total) VALUES (10), (20);
