// A foreign key whose action differs from the migrations' is an error at `references`.
use strata::Model;

#[derive(Model)]
#[strata(table = "posts", check = "length(title) > 0")]
pub struct Post {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(references = "users(id)", on_delete = "set null", index)]
    pub author_id: i64,
    pub title: String,
    pub body: String,
    #[strata(default = "false")]
    pub published: bool,
}

fn main() {}
