CREATE TABLE notes (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts (id), body TEXT);
