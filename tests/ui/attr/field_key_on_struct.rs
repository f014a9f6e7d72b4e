// A field-level key on the struct says where it belongs.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
#[strata(auto_increment)]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
