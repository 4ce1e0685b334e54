CREATE TABLE tickets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status varchar(10) NOT NULL,
    title text NOT NULL
);
CREATE INDEX tickets_open_title_idx ON tickets (lower(title)) WHERE status IN ('todo', 'doing');
CREATE UNIQUE INDEX tickets_title_key ON tickets ((title || status)) WHERE status <> 'done';
INSERT INTO tickets (status, title) VALUES ('todo', 'A'), ('done', 'B');
