CREATE TYPE money_amount AS (value numeric(12,2));
CREATE TABLE orders (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total money_amount NOT NULL);
INSERT INTO orders (total) VALUES (ROW(10)), (ROW(20.5));
CREATE TYPE old_pair AS (a integer, b integer);
