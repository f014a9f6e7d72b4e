// `auto_increment` needs `primary_key` on the same field.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
