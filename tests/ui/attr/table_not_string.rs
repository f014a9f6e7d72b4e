// `table` takes a string literal, not a bare name.
use strata::Model;

#[derive(Model)]
#[strata(table = items)]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
