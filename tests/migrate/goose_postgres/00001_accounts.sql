-- A goose migration: both directions in one file.
-- +goose Up
CREATE TABLE accounts (id BIGINT PRIMARY KEY, email TEXT NOT NULL);
-- +goose StatementBegin
CREATE FUNCTION account_count() RETURNS bigint AS $$
BEGIN
    RETURN (SELECT count(*) FROM accounts);
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION account_count();
DROP TABLE accounts;
