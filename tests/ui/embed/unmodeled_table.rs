// A table the migrations create that no model describes is an error at `embed_migrations!`.
use strata::Model;

#[derive(Model)]
#[strata(table = "users", migrations = "../drift/migrations")]
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

static MIGRATOR: strata::Migrator = strata::embed_migrations!("../drift/migrations");

fn main() {}
