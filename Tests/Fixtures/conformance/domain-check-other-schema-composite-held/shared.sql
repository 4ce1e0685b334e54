CREATE TABLE public.reports (id bigint PRIMARY KEY);
