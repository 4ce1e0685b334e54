CREATE DOMAIN amount AS numeric(12,2) DEFAULT 1 CONSTRAINT amount_positive CHECK (VALUE > 0) CONSTRAINT amount_small CHECK (VALUE < 100);
CREATE TABLE payments (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total amount);
INSERT INTO payments (total) VALUES (5), (7.5);
COMMENT ON DOMAIN amount IS 'old';
