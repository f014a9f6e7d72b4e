// Two branches that each added a migration leave git conflict markers in `strata.sum`: an error
// that says what happened and what to do.
static MIGRATOR: strata::Migrator = strata::embed_migrations!("integrity_conflict");

fn main() {}
