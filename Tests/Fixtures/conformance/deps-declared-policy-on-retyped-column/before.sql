CREATE TABLE scores (id integer PRIMARY KEY, points integer NOT NULL);
INSERT INTO scores VALUES (1, 7), (2, 3);
ALTER TABLE scores ENABLE ROW LEVEL SECURITY;
CREATE POLICY scores_positive ON scores USING (points > 0);
