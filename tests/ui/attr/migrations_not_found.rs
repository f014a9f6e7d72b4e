// A `migrations` path that does not exist is an error at the path.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
#[strata(migrations = "nowhere")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
