-- Views and materialized views: a materialized view takes indexes (named as PostgreSQL names
-- them), CASCADE drops the views that read what it drops, renames carry into views.
CREATE TABLE viewed (id INT PRIMARY KEY, name TEXT, status TEXT, spare TEXT);
CREATE TABLE viewed_child (id INT PRIMARY KEY, viewed_id INT REFERENCES viewed (id), note TEXT);
CREATE MATERIALIZED VIEW viewed_summary AS
    SELECT v.id, count(c.id) AS children, max(v.status) AS status
    FROM viewed AS v LEFT JOIN viewed_child c ON c.viewed_id = v.id GROUP BY v.id;
CREATE UNIQUE INDEX viewed_summary_id ON viewed_summary (id);
CREATE INDEX ON viewed_summary (lower(status));
CREATE VIEW viewed_all AS SELECT * FROM viewed;
CREATE VIEW viewed_notes AS SELECT note FROM viewed_child;
ALTER TABLE viewed DROP COLUMN spare CASCADE;
ALTER TABLE viewed_child RENAME COLUMN note TO remark;
ALTER TABLE viewed_child DROP COLUMN remark CASCADE;
ALTER TABLE viewed RENAME TO viewed_renamed;
DROP INDEX viewed_summary_id;
REFRESH MATERIALIZED VIEW viewed_summary;
