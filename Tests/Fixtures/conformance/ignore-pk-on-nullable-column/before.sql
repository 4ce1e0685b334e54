CREATE TABLE t (id integer CONSTRAINT t_pkey PRIMARY KEY, v text);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
