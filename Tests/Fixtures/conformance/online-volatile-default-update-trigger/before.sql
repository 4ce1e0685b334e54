CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TABLE orders (id integer PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT '2000-01-01');
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
INSERT INTO orders (id) SELECT g FROM generate_series(1, 3000) g;
