// A `-- strata:rust` line names a function of the crate: one it does not have is the
// compiler's error at the macro.
mod data {}

static MIGRATOR: strata::Migrator = strata::embed_migrations!("data_step_missing");

fn main() {}
