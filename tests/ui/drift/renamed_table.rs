// `renamed_from` on the struct without a migration that renames is an error with the ALTER TABLE RENAME.
use strata::Model;

#[derive(Model)]
#[strata(table = "members", renamed_from = "users")]
pub struct User {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    pub display_name: Option<String>,
    #[strata(default = "0")]
    pub age: i32,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
}

fn main() {}
