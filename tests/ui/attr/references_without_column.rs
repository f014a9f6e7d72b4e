// `references` names a table and a column: `table(column)`.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[strata(references = "users")]
    pub owner_id: i64,
}

fn main() {}
