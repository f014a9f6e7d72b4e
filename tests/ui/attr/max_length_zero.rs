// `max_length = 0` is refused: a column holds at least one character.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(max_length = 0)]
    pub name: String,
}

fn main() {}
