CREATE DOMAIN qty AS integer;
CREATE TABLE items (id integer PRIMARY KEY, n qty);
INSERT INTO items VALUES (1, 5), (2, 7);
ALTER TABLE public.reports ADD COLUMN counts qty[];
INSERT INTO public.reports VALUES (10, '{1,2}'), (11, NULL);
