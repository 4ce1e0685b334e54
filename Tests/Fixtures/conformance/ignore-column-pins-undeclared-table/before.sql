CREATE TABLE t (id integer PRIMARY KEY, v text);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
CREATE TABLE old (id int, legacy_flag boolean);
INSERT INTO old VALUES (1, true);
