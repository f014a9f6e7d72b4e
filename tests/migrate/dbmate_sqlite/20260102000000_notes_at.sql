-- migrate:up transaction:false
ALTER TABLE notes ADD COLUMN at TEXT;

-- migrate:down
ALTER TABLE notes DROP COLUMN at;
