// On MySQL a missing column comes with its ADD COLUMN in MySQL types.
use strata::Model;

#[derive(Model)]
#[strata(table = "accounts")]
pub struct Account {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    #[strata(default = "true")]
    pub active: bool,
    pub note: Option<String>,
    pub last_seen: Option<chrono::NaiveDateTime>,
}

fn main() {}
