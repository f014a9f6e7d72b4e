CREATE TABLE items (id BIGINT PRIMARY KEY, owner_id BIGINT);
SET @s = 'ALTER TABLE items DROP COLUMN owner_id';
PREPARE stmt FROM @s;
EXECUTE stmt;
