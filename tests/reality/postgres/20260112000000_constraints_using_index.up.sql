-- no-transaction
-- PostgreSQL's way to add a key to a table with rows without locking it for the build: the
-- index concurrently, then the constraint over it (strata lint's unique-not-using-index).
CREATE TABLE keyed (id BIGINT NOT NULL, code TEXT NOT NULL, note TEXT);
INSERT INTO keyed VALUES (1, 'a', NULL), (2, 'b', 'x');
CREATE UNIQUE INDEX CONCURRENTLY keyed_id ON keyed (id);
CREATE UNIQUE INDEX CONCURRENTLY keyed_code_idx ON keyed (code);
CREATE UNIQUE INDEX CONCURRENTLY keyed_note_idx ON keyed (note);
ALTER TABLE keyed ADD CONSTRAINT keyed_pkey PRIMARY KEY USING INDEX keyed_id;
ALTER TABLE keyed ADD CONSTRAINT keyed_code_key UNIQUE USING INDEX keyed_code_idx;
ALTER TABLE keyed ADD UNIQUE USING INDEX keyed_note_idx;
