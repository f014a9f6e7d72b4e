// `unique` without a migration that makes the column unique is an error at `unique`.
use strata::Model;

#[derive(Model)]
#[strata(table = "users")]
pub struct User {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    #[strata(unique)]
    pub display_name: Option<String>,
    #[strata(default = "0")]
    pub age: i32,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
}

fn main() {}
