CREATE TABLE scores (id integer PRIMARY KEY, points integer NOT NULL);
INSERT INTO scores VALUES (1, 10), (2, 20), (3, 30), (4, 40);
CREATE AGGREGATE old_median(float8 ORDER BY anyelement) (SFUNC = ordered_set_transition, STYPE = internal,
    FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);
