// On MySQL a type difference comes with `MODIFY COLUMN` and the whole definition.
use strata::Model;

#[derive(Model)]
#[strata(table = "accounts")]
pub struct Account {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    #[strata(default = "true")]
    pub active: i32,
    pub note: Option<String>,
}

fn main() {}
