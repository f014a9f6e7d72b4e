// A migration edited after `strata.sum` recorded it is an error that says what to do instead.
static MIGRATOR: strata::Migrator = strata::embed_migrations!("integrity_changed");

fn main() {}
