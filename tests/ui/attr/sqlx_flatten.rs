// A `#[sqlx(flatten)]` field hides its columns; strata asks to list them.
use strata::Model;

#[derive(Debug)]
pub struct Extra;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[sqlx(flatten)]
    pub extra: Extra,
}

fn main() {}
