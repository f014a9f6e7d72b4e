// Two migrations with one version are an error at `embed_migrations!` naming both files.
static MIGRATOR: strata::Migrator = strata::embed_migrations!("../replay/duplicate_version");

fn main() {}
