// A migration that `strata.sum` does not record is an error with the line to add.
static MIGRATOR: strata::Migrator = strata::embed_migrations!("integrity_unrecorded");

fn main() {}
