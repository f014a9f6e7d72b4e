// CREATE TABLE ... AS SELECT has columns only the database knows; the replay refuses it.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "create_table_as_select")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
