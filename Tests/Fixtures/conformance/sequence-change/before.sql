CREATE SEQUENCE invoice_number AS integer START WITH 1000 CACHE 1;
COMMENT ON SEQUENCE invoice_number IS 'old';
SELECT nextval('invoice_number');
SELECT nextval('invoice_number');
SELECT nextval('invoice_number');
CREATE TABLE invoices (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, number bigint NOT NULL);
INSERT INTO invoices (number) VALUES (1000), (1001), (1002);
