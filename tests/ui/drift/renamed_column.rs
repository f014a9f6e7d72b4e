// `renamed_from` on a field without a migration that renames is an error at the old name.
use strata::Model;

#[derive(Model)]
#[strata(table = "users")]
pub struct User {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255, renamed_from = "email")]
    pub email_address: String,
    pub display_name: Option<String>,
    #[strata(default = "0")]
    pub age: i32,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
}

fn main() {}
