// A struct-level index without a migration is an error at the `index(...)` declaration.
use strata::Model;

#[derive(Model)]
#[strata(table = "posts", check = "length(title) > 0", index(columns(author_id, published)))]
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

fn main() {}
