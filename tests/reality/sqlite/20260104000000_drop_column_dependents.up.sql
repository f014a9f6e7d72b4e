-- SQLite lets a column's own check go with it.
CREATE TABLE dropping (id INTEGER PRIMARY KEY, a INT CHECK (a > 0), b INT);
ALTER TABLE dropping DROP COLUMN a;
-- And a key written in the column's definition, created with the table or added later (a
-- table's `FOREIGN KEY (c)` would keep the column: SQLite refuses that drop).
CREATE TABLE dropping_keys (
    id INTEGER PRIMARY KEY,
    owner INTEGER REFERENCES dropping (id),
    c INTEGER,
    FOREIGN KEY (c) REFERENCES dropping (id)
);
ALTER TABLE dropping_keys ADD COLUMN later INTEGER REFERENCES dropping (id) ON DELETE SET NULL;
ALTER TABLE dropping_keys RENAME COLUMN owner TO holder;
ALTER TABLE dropping_keys DROP COLUMN holder;
ALTER TABLE dropping_keys DROP COLUMN later;
-- SQLite takes a table's constraints without commas between them.
CREATE TABLE no_commas (
    id INTEGER PRIMARY KEY,
    a INTEGER,
    b INTEGER,
    CONSTRAINT no_commas_a FOREIGN KEY (a) REFERENCES dropping (id)
    CONSTRAINT no_commas_b FOREIGN KEY (b) REFERENCES dropping (id) ON DELETE CASCADE
    UNIQUE (a, b) CHECK (a <> b)
);
