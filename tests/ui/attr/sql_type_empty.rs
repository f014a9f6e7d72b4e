// An empty `sql_type` is refused.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(sql_type = "")]
    pub name: String,
}

fn main() {}
