CREATE TABLE items (id INTEGER PRIMARY KEY);
-- strata:rust crate::data::fill_items
