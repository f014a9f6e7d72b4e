// Models that match their migrations exactly compile, and describe their tables as constants.
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

#[derive(Model)]
#[strata(table = "posts", migrations = "../drift/migrations", check = "length(title) > 0")]
pub struct Post {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(references = "users(id)", on_delete = "cascade", index)]
    pub author_id: i64,
    pub title: String,
    pub body: String,
    #[strata(default = "false")]
    pub published: bool,
}

fn main() {
    assert_eq!(User::TABLE.name, "users");
    assert_eq!(User::TABLE.columns.len(), 5);
    assert_eq!(Post::TABLE.foreign_keys[0].on_delete, "CASCADE");
}
