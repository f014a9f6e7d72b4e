// A `db_enum` field takes its type from the enum: `sql_type` beside it is refused.
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
    pub title: String,
    #[strata(db_enum, default = "'draft'", sql_type = "post_status")]
    pub status: PostStatus,
    #[strata(db_enum)]
    pub previous: Option<PostStatus>,
}

fn main() {}
