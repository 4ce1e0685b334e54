CREATE TYPE status AS ENUM ('open', 'closed');
COMMENT ON TYPE status IS 'old words';
CREATE TABLE tickets (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text NOT NULL, status status NOT NULL DEFAULT 'open');
INSERT INTO tickets (title, status) VALUES ('a', 'open'), ('b', 'closed'), ('c', 'open');
