// One struct derives both `Model` and `sqlx::FromRow`: `#[sqlx(rename)]` names the column for
// both, `#[sqlx(skip)]` leaves a field out of both, and rows read back into the model.
use strata::Model;

#[derive(Model, sqlx::FromRow, Debug)]
#[strata(table = "users", migrations = "../drift/migrations")]
pub struct User {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    #[sqlx(rename = "display_name")]
    pub name: Option<String>,
    #[strata(default = "0")]
    pub age: i32,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
    #[sqlx(skip)]
    pub cached_greeting: String,
}

fn main() {
    assert_eq!(User::TABLE.column("display_name").map(|c| c.field), Some("name"));
    assert!(User::TABLE.column("cached_greeting").is_none());
}
