// A key given twice on one field is an error at the second one.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, unique)]
    pub name: String,
}

fn main() {}
