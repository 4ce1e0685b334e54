CREATE TABLE owners (id integer PRIMARY KEY);
INSERT INTO owners VALUES (1), (2);
CREATE TABLE bookings (id integer PRIMARY KEY, owner_id integer REFERENCES owners (id), room integer NOT NULL,
                       during tsrange NOT NULL, code text UNIQUE, price numeric CHECK (price >= 0),
                       CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&));
INSERT INTO bookings VALUES (1, 1, 101, '[2026-01-01 10:00, 2026-01-01 11:00)', 'A', 10),
                            (2, 2, 101, '[2026-01-01 11:00, 2026-01-01 12:00)', 'B', 0),
                            (3, NULL, 102, '[2026-01-01 10:00, 2026-01-01 12:00)', NULL, NULL);
COMMENT ON CONSTRAINT bookings_code_key ON bookings IS 'old code text';
COMMENT ON CONSTRAINT bookings_owner_id_fkey ON bookings IS 'to remove';
COMMENT ON CONSTRAINT bookings_no_overlap ON bookings IS 'old overlap text';
