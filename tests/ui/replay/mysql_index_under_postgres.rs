// MySQL's ADD INDEX replayed as PostgreSQL (where sqlparser reads it as a column) is caught.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "mysql_index_under_postgres")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
