CREATE TABLE orders (id bigint NOT NULL, placed_at date NOT NULL, PRIMARY KEY (id, placed_at)) PARTITION BY RANGE (placed_at);
CREATE TABLE orders_2025 PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE orders_2026 PARTITION OF orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO orders VALUES (1, '2025-02-01'), (2, '2026-02-01');
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL, order_placed_at date NOT NULL);
INSERT INTO payments VALUES (10, 1, '2025-02-01'), (11, 2, '2026-02-01');
-- Added NOT VALID and never validated (an online change stopped half-way): the key and its clones are NOT VALID.
ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id, order_placed_at) REFERENCES orders (id, placed_at) NOT VALID;
