CREATE INDEX ix_items_name ON items (name);
