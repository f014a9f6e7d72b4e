// A serial column in the migrations without `auto_increment` in the model is an error.
use strata::Model;

#[derive(Model)]
#[strata(table = "accounts")]
pub struct Account {
    #[strata(primary_key)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    #[strata(default = "0", sql_type = "NUMERIC(12, 2)")]
    pub balance: rust_decimal::Decimal,
    pub note: Option<String>,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn main() {}
