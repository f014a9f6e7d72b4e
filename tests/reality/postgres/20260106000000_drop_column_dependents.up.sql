-- PostgreSQL drops whatever mentions a dropped column: checks (its own and others'), indexes
-- over it, over an expression of it or with it in their WHERE, and, with CASCADE, the foreign
-- keys of other tables that reference it.
CREATE TABLE dropping (id INT PRIMARY KEY, a INT CHECK (a > 0), b INT, c INT, d INT, e INT, f INT,
    k INT UNIQUE, CONSTRAINT dropping_ab CHECK (a < b), CONSTRAINT dropping_c CHECK (c > 0));
CREATE INDEX dropping_expr ON dropping ((d + 1));
CREATE INDEX dropping_part ON dropping (id) WHERE e > 0;
CREATE INDEX dropping_multi ON dropping (f, id);
CREATE TABLE dropping_child (id INT PRIMARY KEY, k INT REFERENCES dropping (k));
ALTER TABLE dropping DROP COLUMN a;
ALTER TABLE dropping DROP COLUMN c, DROP COLUMN d;
ALTER TABLE dropping DROP COLUMN e;
ALTER TABLE dropping DROP COLUMN f;
ALTER TABLE dropping DROP COLUMN k CASCADE;
