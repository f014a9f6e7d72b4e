// `default` on an `auto_increment` column is refused: the database assigns it.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment, default = "1")]
    pub id: i64,
    pub name: String,
}

fn main() {}
