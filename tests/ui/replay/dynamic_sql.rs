// MySQL's PREPARE of dynamic SQL cannot be replayed; the error says where it is.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "dynamic_sql")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
