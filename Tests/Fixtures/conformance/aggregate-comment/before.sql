CREATE TABLE t (id integer PRIMARY KEY, n integer);
INSERT INTO t VALUES (1, 1), (2, 5);
CREATE AGGREGATE biggest(integer) (SFUNC = int4larger, STYPE = integer);
COMMENT ON AGGREGATE biggest(integer) IS 'old';
