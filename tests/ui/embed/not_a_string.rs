// The directory is a string literal.
static MIGRATOR: strata::Migrator = strata::embed_migrations!(migrations);

fn main() {}
