CREATE TABLE visits (id integer PRIMARY KEY);
INSERT INTO visits VALUES (1), (2), (3);
CREATE AGGREGATE rows_seen(*) (SFUNC = int8inc, STYPE = int8, INITCOND = '0');
