// `on_delete` without `references` is an error.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[strata(on_delete = "cascade")]
    pub owner_id: i64,
}

fn main() {}
