// `max_length` takes an integer literal, not a string.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(max_length = "255")]
    pub name: String,
}

fn main() {}
