// An unknown referential action lists the ones SQL has.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[strata(references = "users(id)", on_delete = "explode")]
    pub owner_id: i64,
}

fn main() {}
