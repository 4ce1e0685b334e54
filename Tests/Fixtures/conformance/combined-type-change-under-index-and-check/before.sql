CREATE TABLE t (id integer PRIMARY KEY, code varchar(5) NOT NULL CONSTRAINT t_code_check CHECK (code <> ''));
CREATE INDEX t_code_idx ON t (code);
INSERT INTO t VALUES (1, 'abc'), (2, 'de');
