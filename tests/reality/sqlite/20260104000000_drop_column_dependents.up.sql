-- SQLite lets a column's own check go with it.
CREATE TABLE dropping (id INTEGER PRIMARY KEY, a INT CHECK (a > 0), b INT);
ALTER TABLE dropping DROP COLUMN a;
