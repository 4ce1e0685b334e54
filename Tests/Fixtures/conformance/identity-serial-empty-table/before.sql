CREATE TABLE t (c2 bigserial PRIMARY KEY, v text);
