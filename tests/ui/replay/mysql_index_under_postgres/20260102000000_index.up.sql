-- written for MySQL, replayed as PostgreSQL
ALTER TABLE items ADD INDEX idx_name (name);
