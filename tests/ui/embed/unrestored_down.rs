// A down file that does not give back the schema before its up is an error naming what it
// lacks, with the SQL; one that says `-- strata:irreversible` is not proven.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "unrestored_down", index(columns(name), name = "ix_items_name"))]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
}

static MIGRATOR: strata::Migrator = strata::embed_migrations!("unrestored_down");

fn main() {}
