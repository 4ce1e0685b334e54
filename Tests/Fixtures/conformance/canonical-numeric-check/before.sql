CREATE TABLE lines (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    price numeric(10,2) NOT NULL,
    qty integer NOT NULL,
    CONSTRAINT lines_price_check CHECK (price >= 0),
    CONSTRAINT lines_total_check CHECK (price * qty < 1000000)
);
INSERT INTO lines (price, qty) VALUES (1.50, 2), (0, 1);
