CREATE TABLE sales (id integer NOT NULL, region varchar(10) NOT NULL, amount integer NOT NULL) PARTITION BY LIST (region);
CREATE TABLE sales_eu PARTITION OF sales FOR VALUES IN ('eu');
CREATE TABLE sales_us PARTITION OF sales FOR VALUES IN ('us');
INSERT INTO sales VALUES (1, 'eu', 10), (2, 'us', 20), (3, 'eu', 5);
