-- SQLite cannot change a column's type in place: the documented twelve-step rebuild.
PRAGMA foreign_keys = OFF;
CREATE TABLE writers_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email VARCHAR(255) NOT NULL UNIQUE,
    score INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    joined DATETIME DEFAULT CURRENT_TIMESTAMP,
    country CHAR(2) NOT NULL DEFAULT 'NZ'
);
INSERT INTO writers_new (id, name, email, score, active, joined, country)
    SELECT id, name, email, CAST(score AS INTEGER), active, joined, country FROM writers;
DROP TABLE writers;
ALTER TABLE writers_new RENAME TO writers;
CREATE INDEX writers_lower_name ON writers (lower(name));
PRAGMA foreign_keys = ON;
