// SQL that cannot be replayed is an error at `embed_migrations!`, with the file, line and column.
static MIGRATOR: strata::Migrator = strata::embed_migrations!("../replay/bad_syntax");

fn main() {}
