CREATE TABLE scores (id integer PRIMARY KEY, points integer NOT NULL);
INSERT INTO scores VALUES (1, 7), (2, 3);
CREATE FUNCTION keep_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER scores_points BEFORE UPDATE OF points ON scores FOR EACH ROW EXECUTE FUNCTION keep_row();
CREATE POLICY scores_positive ON scores USING (points > 0);
CREATE FUNCTION total_points() RETURNS bigint LANGUAGE sql RETURN (SELECT sum(points) FROM scores);
