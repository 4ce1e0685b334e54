CREATE TABLE scores (id integer PRIMARY KEY, player text NOT NULL, points integer NOT NULL);
INSERT INTO scores VALUES (1, 'ann', 7), (2, 'bob', 3), (3, 'cy', 9);
CREATE VIEW top_scores AS SELECT player, points FROM scores WHERE points > 5;
CREATE VIEW top_players AS SELECT player FROM top_scores;
