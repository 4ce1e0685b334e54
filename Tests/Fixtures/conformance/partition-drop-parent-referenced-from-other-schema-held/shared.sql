CREATE TABLE public.audits (id bigint PRIMARY KEY, event_id bigint NOT NULL, event_at date NOT NULL);
