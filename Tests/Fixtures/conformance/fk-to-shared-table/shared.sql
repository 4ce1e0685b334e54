CREATE TABLE public.plans (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO public.plans VALUES (1, 'free'), (2, 'pro');
