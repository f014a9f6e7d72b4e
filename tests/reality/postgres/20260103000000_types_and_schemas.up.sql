-- Composite types, unlogged tables, IN lists in checks, and a schema dropped with its tables.
CREATE TYPE feature AS (name TEXT, flags VARCHAR(10)[]);
CREATE UNLOGGED TABLE leader (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('elected', 'resigned')),
    kind TEXT NOT NULL CHECK (kind NOT IN ('none'))
);
CREATE SCHEMA scratch;
CREATE TABLE scratch.notes (id INT PRIMARY KEY);
CREATE TYPE scratch.mood AS (level INT);
CREATE TYPE gone AS (a INT);
DROP TYPE gone;
-- strata:effect none
DO $$ BEGIN PERFORM pg_notify('deploy', 'types'); END $$;
