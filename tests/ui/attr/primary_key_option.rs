// A primary key cannot be `Option`.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

fn main() {}
