CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, legacy_code text);
INSERT INTO users VALUES (1, 'a@example.com', 'A1'), (2, 'b@example.com', NULL);
CREATE VIEW user_codes AS SELECT id, legacy_code FROM users WHERE legacy_code IS NOT NULL;
