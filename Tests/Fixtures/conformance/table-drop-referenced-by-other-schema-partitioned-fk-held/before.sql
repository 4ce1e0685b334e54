CREATE TABLE kinds (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO kinds VALUES (1, 'a'), (2, 'b');
CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO notes VALUES (1, 'kept');
ALTER TABLE public.usages ADD CONSTRAINT usages_kind_fk FOREIGN KEY (kind_id) REFERENCES kinds (id);
INSERT INTO public.usages VALUES (1, 1, '2025-05-01'), (2, 2, '2026-05-01');
