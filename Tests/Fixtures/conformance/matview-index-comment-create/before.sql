CREATE TABLE sales (id integer PRIMARY KEY, day date NOT NULL, amount numeric NOT NULL);
INSERT INTO sales VALUES (1, '2026-01-01', 10), (2, '2026-01-01', 5), (3, '2026-01-02', 7);
