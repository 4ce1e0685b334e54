CREATE TABLE purchases (id integer PRIMARY KEY, total numeric(10,2) NOT NULL);
CREATE INDEX purchases_total_idx ON purchases (total);
INSERT INTO purchases VALUES (1, 5), (2, 7.5);
