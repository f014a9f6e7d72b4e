// A migrations directory without strata.toml is an error that says how to create it.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "no_config")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
