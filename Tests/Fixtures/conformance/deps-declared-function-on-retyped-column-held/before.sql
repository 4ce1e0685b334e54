CREATE TABLE scores (id integer PRIMARY KEY, points integer NOT NULL);
INSERT INTO scores VALUES (1, 7), (2, 3);
CREATE FUNCTION total_points() RETURNS bigint LANGUAGE sql RETURN (SELECT sum(points) FROM scores);
