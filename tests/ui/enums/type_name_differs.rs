// An enum named otherwise than the PostgreSQL type of its column is a compile error.
use strata::{DbEnum, Model};

#[derive(DbEnum)]
#[sqlx(type_name = "status", rename_all = "snake_case")]
pub enum PostStatus {
    Draft,
    Published,
}

#[derive(Model)]
#[strata(table = "posts", migrations = "pg")]
pub struct Post {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub title: String,
    #[strata(db_enum, default = "'draft'")]
    pub status: PostStatus,
    #[strata(db_enum)]
    pub previous: Option<PostStatus>,
}

fn main() {}
