// A key declared on the struct and on a field is an error: declare it once.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
#[strata(primary_key(id))]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
