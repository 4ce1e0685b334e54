CREATE TABLE t (id integer PRIMARY KEY, v text);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
CREATE SEQUENCE invoice_no START 1000;
SELECT nextval('invoice_no');
