CREATE TABLE invoices (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, number bigint);
INSERT INTO invoices (number) VALUES (1), (2);
CREATE SEQUENCE invoice_number START WITH 3;
