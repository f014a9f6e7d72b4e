// Two fields mapped to one column are an error.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[strata(column = "name")]
    pub title: String,
}

fn main() {}
