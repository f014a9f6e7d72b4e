-- strata:rust crate::data_steps::forget_initials_mysql
DROP INDEX people_initials ON people;
ALTER TABLE people DROP COLUMN initials;
