// On PostgreSQL a type difference comes with `ALTER COLUMN ... TYPE`.
use strata::Model;

#[derive(Model)]
#[strata(table = "accounts")]
pub struct Account {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    #[strata(default = "0")]
    pub balance: f64,
    pub note: Option<String>,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn main() {}
