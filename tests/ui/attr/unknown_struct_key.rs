// An unknown key on the struct is an error that lists the struct-level keys.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
#[strata(tabel = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
