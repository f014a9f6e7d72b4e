// A variant the migrations' PostgreSQL enum lacks is a compile error at the field.
use strata::{DbEnum, Model};

#[derive(DbEnum)]
#[strata(rename_all = "snake_case")]
pub enum PostStatus {
    Draft,
    Published,
    Archived,
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
