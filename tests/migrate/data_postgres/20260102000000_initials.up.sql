ALTER TABLE people ADD COLUMN initials VARCHAR(10);
-- The initials of each name, computed in Rust (tests/it/data_steps.rs).
-- strata:rust crate::data_steps::fill_initials_postgres
CREATE INDEX people_initials ON people (initials);
