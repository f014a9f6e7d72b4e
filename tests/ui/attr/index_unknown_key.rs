// An unknown key inside `index(...)` lists the accepted ones.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
#[strata(index(columns(name), colour = "red"))]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

fn main() {}
