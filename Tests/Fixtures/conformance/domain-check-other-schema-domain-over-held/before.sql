CREATE DOMAIN qty AS integer;
CREATE TABLE items (id integer PRIMARY KEY, n qty);
INSERT INTO items VALUES (1, 5), (2, 7);
CREATE DOMAIN public.wide_qty AS qty;
ALTER TABLE public.reports ADD COLUMN w public.wide_qty;
INSERT INTO public.reports VALUES (10, 3), (11, -4);
