CREATE TABLE sales (id integer PRIMARY KEY, day date NOT NULL, amount numeric NOT NULL);
INSERT INTO sales VALUES (1, '2026-01-01', 10), (2, '2026-01-01', 5), (3, '2026-01-02', 7);
CREATE MATERIALIZED VIEW daily_totals AS SELECT day, sum(amount) AS total FROM sales GROUP BY day;
CREATE VIEW big_days AS SELECT day FROM daily_totals WHERE total > 10;
CREATE VIEW day_report AS SELECT day FROM daily_totals;
