// SQL that does not parse is an error naming the migration file, line and column.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "bad_syntax")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
