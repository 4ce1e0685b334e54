CREATE DOMAIN code AS varchar(10);
CREATE TABLE items (id integer PRIMARY KEY, c text);
INSERT INTO items VALUES (1, 'a');
ALTER TABLE public.reports ADD COLUMN c code;
INSERT INTO public.reports VALUES (10, 'abc');
