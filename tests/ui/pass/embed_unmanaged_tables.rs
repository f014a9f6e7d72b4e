// Tables that `strata.toml` lists as `unmanaged` need no model for `embed_migrations!`.
use strata::Model;

#[derive(Model)]
#[strata(table = "notes", migrations = "unmanaged")]
pub struct Note {
    #[strata(primary_key)]
    pub id: i64,
    pub body: String,
}

static MIGRATOR: strata::Migrator = strata::embed_migrations!("unmanaged");

fn main() {
    assert_eq!(MIGRATOR.migrations().len(), 1);
}
