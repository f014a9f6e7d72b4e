// A `strata.sum` line for a migration the directory no longer has is an error at that line.
static MIGRATOR: strata::Migrator = strata::embed_migrations!("integrity_extra_line");

fn main() {}
