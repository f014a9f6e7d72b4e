// A `db_enum` field whose type does not derive `DbEnum` says what to add.
use strata::Model;

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
