// A migration file name without a numeric version is an error naming the file.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "bad_file_name")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
