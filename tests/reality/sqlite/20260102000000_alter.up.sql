ALTER TABLE authors ADD COLUMN country CHAR(2) NOT NULL DEFAULT 'NZ';
ALTER TABLE books RENAME COLUMN price TO list_price;
ALTER TABLE authors RENAME TO writers;
DROP INDEX books_title;
ALTER TABLE writers DROP COLUMN bio;
