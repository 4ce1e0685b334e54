CREATE TABLE jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status varchar(10) NOT NULL,
    is_open boolean GENERATED ALWAYS AS (status IN ('todo', 'doing')) STORED
);
INSERT INTO jobs (status) VALUES ('todo'), ('done');
