CREATE TABLE sales (id integer PRIMARY KEY, day date NOT NULL, amount numeric NOT NULL);
INSERT INTO sales VALUES (1, '2026-01-01', 10), (2, '2026-01-01', 5), (3, '2026-01-02', 7);
CREATE MATERIALIZED VIEW daily_totals AS SELECT day, sum(amount) AS total FROM sales GROUP BY day;
CREATE UNIQUE INDEX daily_totals_day ON daily_totals (day);
CREATE INDEX daily_totals_total ON daily_totals (total);
COMMENT ON INDEX daily_totals_day IS 'old words';
COMMENT ON INDEX daily_totals_total IS 'goes away';
