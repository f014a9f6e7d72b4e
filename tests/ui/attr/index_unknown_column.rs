// A struct-level index over a field that does not exist is an error.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
#[strata(index(columns(nmae)))]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
