-- The indexes MySQL/MariaDB make for foreign keys, and when they drop them (measured on
-- MariaDB 10.11; see docs/replay.md).
CREATE TABLE fk_parent (id INT PRIMARY KEY, a INT, b INT, UNIQUE (a, b));
-- Unnamed key: the index takes the column's name; named: the constraint's.
CREATE TABLE fk_plain (id INT PRIMARY KEY, pid INT, qid INT REFERENCES fk_parent (id),
    FOREIGN KEY (pid) REFERENCES fk_parent (id));
CREATE TABLE fk_named (id INT PRIMARY KEY, pid INT, CONSTRAINT fk_named_parent FOREIGN KEY (pid) REFERENCES fk_parent (id));
-- A later index that starts with the key's columns replaces the one MySQL made...
CREATE TABLE fk_covered (id INT PRIMARY KEY, pid INT, x INT, CONSTRAINT fk_covered_parent FOREIGN KEY (pid) REFERENCES fk_parent (id));
CREATE INDEX fk_covered_pid_x ON fk_covered (pid, x);
-- ...also once the key is gone, and an unnamed one can then take the freed name.
CREATE TABLE fk_dropped (id INT PRIMARY KEY, pid INT, x INT, FOREIGN KEY (pid) REFERENCES fk_parent (id));
ALTER TABLE fk_dropped DROP FOREIGN KEY fk_dropped_ibfk_1;
ALTER TABLE fk_dropped ADD INDEX (pid, x);
-- ...but not an index the user made.
CREATE TABLE fk_own (id INT PRIMARY KEY, pid INT, x INT, INDEX fk_own_pid (pid), FOREIGN KEY (pid) REFERENCES fk_parent (id));
CREATE INDEX fk_own_pid_x ON fk_own (pid, x);
-- A new key replaces the index made for an older one on the same columns.
CREATE TABLE fk_again (id INT PRIMARY KEY, pid INT, q INT, CONSTRAINT fk_again_1 FOREIGN KEY (pid) REFERENCES fk_parent (id));
ALTER TABLE fk_again ADD CONSTRAINT fk_again_2 FOREIGN KEY (pid) REFERENCES fk_parent (id);
ALTER TABLE fk_again DROP FOREIGN KEY fk_again_1, ADD CONSTRAINT fk_again_3 FOREIGN KEY (pid, q) REFERENCES fk_parent (a, b);
-- A primary key or unique that starts with the columns serves the key too.
CREATE TABLE fk_pk (pid INT NOT NULL, x INT NOT NULL, FOREIGN KEY (pid) REFERENCES fk_parent (id));
ALTER TABLE fk_pk ADD PRIMARY KEY (pid, x);
CREATE TABLE fk_unique (id INT PRIMARY KEY, pid INT, x INT, FOREIGN KEY (pid) REFERENCES fk_parent (id));
CREATE UNIQUE INDEX fk_unique_pid_x ON fk_unique (pid, x);
