// A default the migrations set and the model omits is an error at the field.
use strata::Model;

#[derive(Model)]
#[strata(table = "users")]
pub struct User {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    pub display_name: Option<String>,
    pub age: i32,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
}

fn main() {}
