// A directory that does not exist is an error at the path.
static MIGRATOR: strata::Migrator = strata::embed_migrations!("nowhere");

fn main() {}
