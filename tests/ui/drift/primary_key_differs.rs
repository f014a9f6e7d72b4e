// A primary key on other columns than the migrations' is an error at the key.
use strata::Model;

#[derive(Model)]
#[strata(table = "users")]
pub struct User {
    pub id: i64,
    #[strata(primary_key, max_length = 255)]
    pub email: String,
    pub display_name: Option<String>,
    #[strata(default = "0")]
    pub age: i32,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
}

fn main() {}
