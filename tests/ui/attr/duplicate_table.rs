// `table` given twice is an error at the second one.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", table = "things")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
