CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status varchar(10) NOT NULL,
    CONSTRAINT tasks_status_check CHECK (status IN ('todo', 'doing', 'done'))
);
INSERT INTO tasks (status) VALUES ('todo'), ('doing'), ('done');
