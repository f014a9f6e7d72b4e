// `max_length` applies to strings only.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[strata(max_length = 10)]
    pub count: i32,
}

fn main() {}
