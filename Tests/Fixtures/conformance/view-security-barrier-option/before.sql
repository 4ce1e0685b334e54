CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL);
INSERT INTO accounts VALUES (1, 'ann', 10), (2, 'bob', 20);
CREATE VIEW my_accounts AS SELECT id, balance FROM accounts WHERE owner = current_user;
