CREATE TABLE t (id integer PRIMARY KEY, mail text);
CREATE INDEX t_mail_idx ON t (lower(mail));
INSERT INTO t VALUES (1, 'A@x'), (2, 'B@x');
