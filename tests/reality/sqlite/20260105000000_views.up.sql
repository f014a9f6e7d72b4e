-- A view's name beside the tables'; a column no view reads can go.
CREATE TABLE viewed (id INTEGER PRIMARY KEY, name TEXT, spare TEXT);
CREATE VIEW viewed_names AS SELECT name FROM viewed;
ALTER TABLE viewed DROP COLUMN spare;
