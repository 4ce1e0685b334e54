CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL, author text);
INSERT INTO notes VALUES (1, 'a', 'ann');
CREATE FUNCTION insert_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO notes (id, body) VALUES (NEW.id, NEW.body); RETURN NEW; END $$;
CREATE VIEW all_notes AS SELECT id, body, author FROM notes;
CREATE TRIGGER all_notes_insert INSTEAD OF INSERT ON all_notes FOR EACH ROW EXECUTE FUNCTION insert_note();
