CREATE TABLE events (id integer PRIMARY KEY, kind text);
INSERT INTO events SELECT g, 'kind ' || (g % 7) FROM generate_series(1, 12000) g;
