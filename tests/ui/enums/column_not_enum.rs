// A `db_enum` field whose column the PostgreSQL migrations made plain text is an error there.
use strata::{DbEnum, Model};

#[derive(DbEnum)]
#[strata(rename_all = "snake_case")]
pub enum PostStatus {
    Draft,
    Published,
}

#[derive(Model)]
#[strata(table = "posts", migrations = "pg")]
pub struct Post {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(db_enum)]
    pub title: PostStatus,
    #[strata(db_enum, default = "'draft'")]
    pub status: PostStatus,
    #[strata(db_enum)]
    pub previous: Option<PostStatus>,
}

fn main() {}
