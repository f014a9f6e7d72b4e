// ALTER TABLE on a table the history never created is an error at the table name.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "table_does_not_exist")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
