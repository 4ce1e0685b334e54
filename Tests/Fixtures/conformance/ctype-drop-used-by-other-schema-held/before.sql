CREATE TYPE point2 AS (x integer, y integer);
CREATE TABLE items (id integer PRIMARY KEY);
INSERT INTO items VALUES (1), (2);
ALTER TABLE public.reports ADD COLUMN at point2;
INSERT INTO public.reports VALUES (10, ROW(1, 2)), (11, ROW(3, 4));
