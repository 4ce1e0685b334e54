CREATE TABLE t (id integer PRIMARY KEY, note text, legacy text);
INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', NULL);
CREATE FUNCTION fill_legacy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.legacy := coalesce(NEW.legacy, 'none'); RETURN NEW; END $$;
CREATE TRIGGER t_fill BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION fill_legacy();
