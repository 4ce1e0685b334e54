CREATE DOMAIN qty AS integer;
CREATE TABLE items (id integer PRIMARY KEY, n qty);
INSERT INTO items VALUES (1, 5), (2, 7);
CREATE TYPE public.wrap AS (x qty);
ALTER TABLE public.reports ADD COLUMN w public.wrap;
INSERT INTO public.reports VALUES (10, ROW(3)), (11, ROW(4));
