// A field type strata cannot map is an error that asks for `sql_type`.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    pub tags: std::collections::HashSet<String>,
}

fn main() {}
