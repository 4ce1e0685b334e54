CREATE TABLE t (id integer PRIMARY KEY, email text CONSTRAINT t_mail_uq UNIQUE, name text);
INSERT INTO t VALUES (1, 'a@x', 'Ann'), (2, 'b@x', 'Bob'), (3, NULL, 'Cy');
