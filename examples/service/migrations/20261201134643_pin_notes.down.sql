DROP INDEX notes_pinned_idx;
ALTER TABLE notes DROP COLUMN pinned;
