// A `strata.sum` that records every migration, in order, with its checksum is accepted.
static MIGRATOR: strata::Migrator = strata::embed_migrations!("integrity_ok");

fn main() {
    assert_eq!(MIGRATOR.migrations().len(), 1);
}
