// SQLite has no unsigned 64-bit integer; a `u64` field says so.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    pub views: u64,
}

fn main() {}
