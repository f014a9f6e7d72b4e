// An unknown key on a field is an error that lists the keys strata accepts.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(colour = "red")]
    pub name: String,
}

fn main() {}
