// `default` needs its SQL expression.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(default)]
    pub name: String,
}

fn main() {}
