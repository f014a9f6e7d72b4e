// Every difference of a model is reported at once, each at its own field.
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
    pub age: i64,
    pub phone: Option<String>,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
}

fn main() {}
