// An unknown dialect in strata.toml is an error naming the file.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "bad_dialect")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
