// On PostgreSQL a nullability difference comes with `SET NOT NULL`.
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
    pub note: String,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn main() {}
