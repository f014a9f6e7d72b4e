// `Model` on an enum is refused: a table needs a struct with named fields.
use strata::Model;

#[derive(Model)]
pub enum Item {
    A,
    B,
}

fn main() {}
