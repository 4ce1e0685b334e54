CREATE TABLE accounts (region text NOT NULL, id integer NOT NULL, PRIMARY KEY (region, id));
CREATE TABLE invoices (id integer PRIMARY KEY, region text NOT NULL, account_id integer NOT NULL);
INSERT INTO accounts VALUES ('eu', 1), ('us', 1);
INSERT INTO invoices VALUES (1, 'eu', 1), (2, 'us', 1);
