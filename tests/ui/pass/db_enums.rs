// A Rust enum with `#[derive(DbEnum)]` matches the migrations' enum on each database: a
// PostgreSQL enum type, a MySQL `ENUM(...)` column, a SQLite `CHECK (... IN (...))`. It derives
// `sqlx::Type` too, and strata reads sqlx's names (`type_name`, `rename_all`).
use strata::{DbEnum, Model};

#[derive(DbEnum, sqlx::Type, Debug, Clone, Copy, PartialEq, Eq)]
#[sqlx(type_name = "post_status", rename_all = "snake_case")]
pub enum PostStatus {
    Draft,
    Published,
}

mod postgres {
    use super::*;

    #[derive(Model)]
    #[strata(table = "posts", migrations = "../enums/pg")]
    pub struct Post {
        #[strata(primary_key, auto_increment)]
        pub id: i64,
        pub title: String,
        #[strata(db_enum, default = "'draft'")]
        pub status: PostStatus,
        #[strata(db_enum)]
        pub previous: Option<PostStatus>,
    }
}

mod mysql {
    use super::*;

    #[derive(Model)]
    #[strata(table = "posts", migrations = "../enums/mysql")]
    pub struct Post {
        #[strata(primary_key, auto_increment)]
        pub id: i64,
        pub title: String,
        #[strata(db_enum, default = "'draft'")]
        pub status: PostStatus,
        #[strata(db_enum)]
        pub previous: Option<PostStatus>,
    }
}

mod sqlite {
    use super::*;

    #[derive(Model)]
    #[strata(table = "posts", migrations = "../enums/sqlite")]
    pub struct Post {
        #[strata(primary_key, auto_increment)]
        pub id: i64,
        pub title: String,
        #[strata(db_enum, default = "'draft'")]
        pub status: PostStatus,
        #[strata(db_enum)]
        pub previous: Option<PostStatus>,
    }
}

fn main() {
    use strata::Model;
    assert_eq!(<PostStatus as DbEnum>::VALUES, ["draft", "published"]);
    assert_eq!(postgres::Post::TABLE.column("status").map(|c| c.sql_type), Some("post_status"));
    assert_eq!(mysql::Post::TABLE.column("status").map(|c| c.sql_type), Some("enum('draft','published')"));
    assert_eq!(sqlite::Post::TABLE.checks.len(), 2);
}
