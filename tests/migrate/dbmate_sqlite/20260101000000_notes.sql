-- migrate:up
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE INDEX notes_body ON notes (body);

-- migrate:down
DROP TABLE notes;
