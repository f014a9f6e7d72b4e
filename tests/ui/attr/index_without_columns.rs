// A struct-level index needs `columns(...)`.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
#[strata(index(name = "ix_items_name"))]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
