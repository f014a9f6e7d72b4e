-- MySQL's `RENAME` without `TO`.
CREATE TABLE renamed_from (id INT PRIMARY KEY);
ALTER TABLE renamed_from RENAME renamed_to;
