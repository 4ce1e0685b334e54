CREATE TABLE sales (id integer PRIMARY KEY, region text NOT NULL, amount numeric NOT NULL);
INSERT INTO sales VALUES (1, 'north', 10), (2, 'north', 5.5), (3, 'south', 7), (4, 'south', -2);
CREATE FUNCTION add_positive(total numeric, value numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$ SELECT total + greatest(value, 0) $$;
CREATE AGGREGATE positive_sum(numeric) (SFUNC = add_positive, STYPE = numeric, INITCOND = '0');
CREATE VIEW region_totals AS SELECT region, positive_sum(amount) AS total FROM sales GROUP BY region;
