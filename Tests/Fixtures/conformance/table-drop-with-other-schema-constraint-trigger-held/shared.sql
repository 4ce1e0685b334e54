CREATE TABLE public.plan_events (id int PRIMARY KEY, counter_id int);
CREATE FUNCTION public.plan_event_seen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
