CREATE TABLE sales (id integer PRIMARY KEY, amount numeric NOT NULL);
INSERT INTO sales VALUES (1, 10), (2, -3);
CREATE FUNCTION add_positive(total numeric, value numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$ SELECT total + greatest(value, 0) $$;
CREATE AGGREGATE positive_sum(numeric) (SFUNC = add_positive, STYPE = numeric, INITCOND = '0');
