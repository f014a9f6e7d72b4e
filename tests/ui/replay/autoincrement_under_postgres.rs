// AUTOINCREMENT outside SQLite is caught rather than silently dropped.
use strata::Model;

#[derive(Model)]
#[strata(table = "items", migrations = "autoincrement_under_postgres")]
pub struct Item {
    #[strata(primary_key)]
    pub id: i64,
}

fn main() {}
