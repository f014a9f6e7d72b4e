// A foreign key to a table no migration creates (and, here, no model describes) is an error at
// `references`, in place of the key the migrations lack; so is one to a column the table lacks.
use strata::Model;

#[derive(Model)]
#[strata(table = "posts", check = "length(title) > 0")]
pub struct Post {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(references = "user(id)", on_delete = "cascade", index)]
    pub author_id: i64,
    pub title: String,
    pub body: String,
    #[strata(default = "false")]
    pub published: bool,
}

#[derive(Model)]
#[strata(table = "comments")]
pub struct Comment {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(references = "users(uid)")]
    pub user_id: i64,
}

fn main() {}
