// A flag such as `unique` takes no value.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique = true)]
    pub name: String,
}

fn main() {}
