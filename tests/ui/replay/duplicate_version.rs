// Two migrations with one version are an error naming both files.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "duplicate_version")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
