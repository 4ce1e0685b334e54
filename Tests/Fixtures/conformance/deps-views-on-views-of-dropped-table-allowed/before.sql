CREATE TABLE parents (id integer PRIMARY KEY, name text);
INSERT INTO parents VALUES (1, 'a');
CREATE TABLE legacy (id integer PRIMARY KEY, note text);
INSERT INTO legacy VALUES (1, 'x'), (2, 'y');
CREATE VIEW legacy_notes AS SELECT id, note FROM legacy;
CREATE VIEW legacy_report AS SELECT count(*) AS n FROM legacy_notes;
