// A `default` that is not an SQL expression is an error at the literal.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(default = "'unclosed")]
    pub name: String,
}

fn main() {}
