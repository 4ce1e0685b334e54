CREATE TABLE orders (id bigint NOT NULL, placed_at date NOT NULL, PRIMARY KEY (id, placed_at)) PARTITION BY RANGE (placed_at);
CREATE TABLE orders_2025 PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE orders_2026 PARTITION OF orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO orders VALUES (1, '2025-02-01'), (2, '2026-02-01');
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL, order_placed_at date NOT NULL);
INSERT INTO payments VALUES (10, 1, '2025-02-01'), (11, 2, '2026-02-01');
-- Added NOT VALID and validated (an online migration by hand, or an earlier release): PostgreSQL 15
-- validates the key and leaves its clones for orders_2025 and orders_2026 NOT VALID.
ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id, order_placed_at) REFERENCES orders (id, placed_at) NOT VALID;
ALTER TABLE payments VALIDATE CONSTRAINT payments_order_fk;
