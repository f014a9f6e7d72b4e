// A column the migrations leave nullable but the model does not is an error at the type.
use strata::Model;

#[derive(Model)]
#[strata(table = "users")]
pub struct User {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    pub display_name: String,
    #[strata(default = "0")]
    pub age: i32,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
}

fn main() {}
