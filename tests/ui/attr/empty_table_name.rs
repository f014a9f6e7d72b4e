// An empty table name is refused.
use strata::Model;

#[derive(Model)]
#[strata(table = "")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
