-- Statements sqlparser cannot read as written; the replay reads them as PostgreSQL does.
CREATE TABLE forms (id INT PRIMARY KEY, parent INT);
CREATE INDEX forms_a ON forms (parent);
CREATE INDEX forms_b ON forms (id, parent);
ALTER INDEX IF EXISTS forms_a RENAME TO forms_parent;
ALTER INDEX IF EXISTS forms_missing RENAME TO forms_other;
ALTER TABLE forms ADD CONSTRAINT forms_parent_fk FOREIGN KEY (parent) REFERENCES forms (id);
ALTER TABLE forms ALTER CONSTRAINT forms_parent_fk DEFERRABLE INITIALLY DEFERRED;
