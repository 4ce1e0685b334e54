CREATE TABLE bookings (id integer PRIMARY KEY, room integer NOT NULL, during tsrange NOT NULL,
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&));
INSERT INTO bookings VALUES (1, 101, '[2026-01-01 10:00, 2026-01-01 11:00)'), (2, 102, '[2026-01-01 10:00, 2026-01-01 11:00)');
