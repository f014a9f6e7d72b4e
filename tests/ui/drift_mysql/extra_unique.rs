// On MySQL a unique key the model omits comes with `DROP INDEX ... ON`.
use strata::Model;

#[derive(Model)]
#[strata(table = "accounts")]
pub struct Account {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(max_length = 255)]
    pub email: String,
    #[strata(default = "true")]
    pub active: bool,
    pub note: Option<String>,
}

fn main() {}
