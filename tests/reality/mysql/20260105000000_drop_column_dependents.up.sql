-- MariaDB drops a check that reads only the dropped column, and takes the column out of each
-- index (dropping an index left empty).
CREATE TABLE dropping (id INT PRIMARY KEY, a INT CHECK (a > 0), b INT, c INT, f INT,
    CONSTRAINT dropping_c CHECK (c > 0));
CREATE INDEX dropping_multi ON dropping (f, id);
CREATE INDEX dropping_f ON dropping (f);
ALTER TABLE dropping DROP COLUMN a;
ALTER TABLE dropping DROP COLUMN c;
ALTER TABLE dropping DROP COLUMN f;
