// `Model` on a tuple struct is refused: columns need names.
use strata::Model;

#[derive(Model)]
pub struct Item(i64, String);

fn main() {}
