CREATE DOMAIN legacy_code AS text;
CREATE TABLE items (id integer PRIMARY KEY, code text);
INSERT INTO items VALUES (1, 'a'), (2, 'b');
ALTER TABLE public.reports ADD COLUMN code legacy_code;
INSERT INTO public.reports VALUES (10, 'x'), (11, 'y');
