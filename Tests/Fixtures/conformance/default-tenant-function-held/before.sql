CREATE SEQUENCE invoice_numbers START 1000;
CREATE FUNCTION next_invoice_no() RETURNS integer LANGUAGE sql AS $$ SELECT nextval('invoice_numbers')::integer $$;
CREATE TABLE invoices (no integer PRIMARY KEY DEFAULT next_invoice_no(), total integer);
INSERT INTO invoices (total) VALUES (10), (20);
