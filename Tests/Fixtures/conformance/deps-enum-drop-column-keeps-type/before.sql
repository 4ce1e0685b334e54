CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE notes (id integer PRIMARY KEY, mood mood NOT NULL DEFAULT 'happy');
INSERT INTO notes VALUES (1, 'happy'), (2, 'sad');
