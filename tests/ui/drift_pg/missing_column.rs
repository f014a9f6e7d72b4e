// On PostgreSQL a missing column comes with its ADD COLUMN in PostgreSQL types.
use strata::Model;

#[derive(Model)]
#[strata(table = "accounts")]
pub struct Account {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    #[strata(default = "0", sql_type = "NUMERIC(12, 2)")]
    pub balance: rust_decimal::Decimal,
    pub note: Option<String>,
    pub tags: Option<serde_json::Value>,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn main() {}
