// A reversible migration (`.up.sql`) without its `.down.sql` is an error naming the file to write.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "missing_down")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

static MIGRATOR: strata::Migrator = strata::embed_migrations!("missing_down");

fn main() {}
