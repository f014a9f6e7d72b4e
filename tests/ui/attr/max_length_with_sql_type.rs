// `max_length` and `sql_type` conflict: the length belongs in the type.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(max_length = 10, sql_type = "VARCHAR(20)")]
    pub name: String,
}

fn main() {}
