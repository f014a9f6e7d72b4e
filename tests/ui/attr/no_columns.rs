// A model whose every field is skipped has no columns.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(skip)]
    pub id: i64,
}

fn main() {}
