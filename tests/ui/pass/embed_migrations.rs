// `embed_migrations!` puts every migration in the binary, in order, with the checksum computed
// at compile time; every table the history creates has a model here.
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

static MIGRATOR: strata::Migrator = strata::embed_migrations!("../drift/migrations");

fn main() {
    let names: Vec<String> = MIGRATOR.migrations().iter().map(|m| m.name()).collect();
    assert_eq!(names, ["20260101000000_create_users", "20260102000000_create_posts"]);
    let first = &MIGRATOR.migrations()[0];
    assert_eq!(first.version, 20260101000000);
    assert_eq!(first.up, include_str!("../drift/migrations/20260101000000_create_users.up.sql"));
    assert_eq!(first.down, Some(include_str!("../drift/migrations/20260101000000_create_users.down.sql")));
    assert_eq!(first.checksum, strata::schema::migrations::checksum(first.up));
    assert_eq!(MIGRATOR.latest().map(|m| m.description), Some("create posts"));
}
