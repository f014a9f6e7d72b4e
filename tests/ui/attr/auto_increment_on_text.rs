// `auto_increment` on a text column is refused.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: String,
    pub name: String,
}

fn main() {}
