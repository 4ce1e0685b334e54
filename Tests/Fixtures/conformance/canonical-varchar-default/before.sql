CREATE TABLE notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind varchar(20) NOT NULL DEFAULT 'note',
    tags varchar(10)[] NOT NULL DEFAULT '{a,b}',
    body text
);
INSERT INTO notes (body) VALUES ('a'), ('b');
