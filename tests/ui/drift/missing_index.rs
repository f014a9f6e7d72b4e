// An index without a migration that creates it is an error at `index`.
use strata::Model;

#[derive(Model)]
#[strata(table = "posts", check = "length(title) > 0")]
pub struct Post {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(references = "users(id)", on_delete = "cascade", index)]
    pub author_id: i64,
    #[strata(index)]
    pub title: String,
    pub body: String,
    #[strata(default = "false")]
    pub published: bool,
}

fn main() {}
