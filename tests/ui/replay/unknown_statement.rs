// A statement the replay cannot understand is refused at its location, never skipped.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "unknown_statement")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
