-- Defaults PostgreSQL stores in its own spelling: the replay must read them as the catalog
-- does (the comparison once reported these as drift on untouched databases).
CREATE TABLE typed_defaults (
    id BIGINT PRIMARY KEY,
    d DATE NOT NULL DEFAULT '1970-01-01',
    ts TIMESTAMP NOT NULL DEFAULT '1970-01-01',
    ts_epoch TIMESTAMP NOT NULL DEFAULT 'epoch',
    ts_full TIMESTAMP DEFAULT '2020-02-03 04:05:06',
    ttl INTERVAL NOT NULL DEFAULT '24 hours',
    ttl2 INTERVAL DEFAULT '1 day'::interval,
    ttl3 INTERVAL DEFAULT INTERVAL '90 minutes',
    label TEXT DEFAULT 'x'::text,
    code VARCHAR(10) DEFAULT 'abc',
    n NUMERIC(10, 2) DEFAULT 0,
    f REAL DEFAULT 1.5,
    seq_next BIGINT
);
CREATE SEQUENCE typed_defaults_seq;
ALTER TABLE typed_defaults ALTER COLUMN seq_next SET DEFAULT nextval('public.typed_defaults_seq');
CREATE INDEX typed_defaults_day ON typed_defaults (date(ts));
CREATE TABLE two_keys (a BIGINT REFERENCES typed_defaults (id), b BIGINT);
ALTER TABLE two_keys ADD CONSTRAINT second FOREIGN KEY (a) REFERENCES typed_defaults (id) ON DELETE CASCADE;
-- `date()` of a date column is the column itself to PostgreSQL, and the index a plain one.
CREATE INDEX typed_defaults_d ON typed_defaults (date(d));
ALTER TABLE typed_defaults ADD CONSTRAINT recent CHECK (ts > now() - interval '1 day');
-- A function of the default schema, called with `public.`, reads back without it.
CREATE FUNCTION typed_defaults_code() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'c' $$;
ALTER TABLE typed_defaults ADD COLUMN made_code TEXT DEFAULT public.typed_defaults_code();
-- A renamed enum value carries into the defaults, checks and index predicates that use it.
CREATE TYPE typed_mood AS ENUM ('sad', 'ok');
CREATE TABLE typed_moods (id INT, m typed_mood DEFAULT 'sad', t TEXT DEFAULT 'sad',
    CONSTRAINT typed_moods_m CHECK (m <> 'sad'), CONSTRAINT typed_moods_t CHECK (t <> 'sad'));
CREATE INDEX typed_moods_p ON typed_moods (id) WHERE m = 'sad';
ALTER TYPE typed_mood RENAME VALUE 'sad' TO 'unhappy';
