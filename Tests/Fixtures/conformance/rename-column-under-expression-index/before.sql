CREATE TABLE t (id integer PRIMARY KEY, mail text);
CREATE INDEX t_lower_idx ON t (lower(mail)) WHERE mail IS NOT NULL;
INSERT INTO t VALUES (1, 'A@x');
