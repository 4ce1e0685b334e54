CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL);
INSERT INTO notes VALUES (1, 'a'), (2, 'b');
CREATE FUNCTION write_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN INSERT INTO notes VALUES (NEW.id, NEW.body);
  ELSE UPDATE notes SET body = NEW.body WHERE id = OLD.id; END IF;
  RETURN NEW;
END $$;
CREATE VIEW all_notes AS SELECT id, body FROM notes;
CREATE TRIGGER all_notes_write INSTEAD OF INSERT ON all_notes FOR EACH ROW EXECUTE FUNCTION write_note();
COMMENT ON TRIGGER all_notes_write ON all_notes IS 'old';
