CREATE TABLE notes (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, body TEXT, FOREIGN KEY (account_id) REFERENCES accounts (id));
