// On MySQL, an enum with fewer values than the column's `ENUM(...)` is a compile error.
use strata::{DbEnum, Model};

#[derive(DbEnum)]
#[strata(rename_all = "snake_case")]
pub enum PostStatus {
    Draft,
}

#[derive(Model)]
#[strata(table = "posts", migrations = "mysql")]
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
