// A primary key is unique already; `unique` beside it is an error.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment, unique)]
    pub id: i64,
    pub name: String,
}

fn main() {}
