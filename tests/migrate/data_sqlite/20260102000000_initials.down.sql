-- strata:rust crate::data_steps::forget_initials_sqlite
DROP INDEX people_initials;
ALTER TABLE people DROP COLUMN initials;
