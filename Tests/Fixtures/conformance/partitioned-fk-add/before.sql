CREATE TABLE users (id integer PRIMARY KEY);
INSERT INTO users VALUES (1), (2);
CREATE TABLE orders (id bigint NOT NULL, placed_at date NOT NULL, user_id integer NOT NULL, PRIMARY KEY (id, placed_at)) PARTITION BY RANGE (placed_at);
CREATE TABLE orders_2026 PARTITION OF orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO orders VALUES (1, '2026-02-01', 1), (2, '2026-03-01', 2);
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL, order_placed_at date NOT NULL);
INSERT INTO payments VALUES (10, 1, '2026-02-01');
