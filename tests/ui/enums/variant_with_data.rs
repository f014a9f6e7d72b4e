// The variants of a database enum are plain names; one that holds data is refused.
use strata::DbEnum;

#[derive(DbEnum)]
pub enum PostStatus {
    Draft,
    Scheduled(u64),
}

fn main() {}
