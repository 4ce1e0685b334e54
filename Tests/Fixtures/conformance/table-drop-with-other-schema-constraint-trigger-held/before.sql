CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
INSERT INTO counters VALUES (1, 5), (2, 7);
CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO notes VALUES (1, 'kept');
CREATE CONSTRAINT TRIGGER plan_events_seen AFTER INSERT ON public.plan_events FROM counters
    FOR EACH ROW EXECUTE FUNCTION public.plan_event_seen();
