// A struct-level key on a field says where it belongs.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(table = "items")]
    pub name: String,
}

fn main() {}
