CREATE TABLE sessions (id bigint PRIMARY KEY, user_name text NOT NULL);
INSERT INTO sessions SELECT g, 'user ' || g FROM generate_series(1, 25000) g;
