CREATE TABLE t (id integer PRIMARY KEY, v text);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
CREATE TABLE tmp_a (n int);
INSERT INTO tmp_a VALUES (1);
CREATE TABLE tmp_b (n int);
CREATE TABLE junk (n int);
