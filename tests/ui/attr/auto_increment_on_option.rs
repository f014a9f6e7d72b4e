// An `auto_increment` column is never NULL, so `Option` is refused.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: Option<i64>,
    pub name: String,
}

fn main() {}
