// A check in the migrations that the model omits is an error at the table name.
use strata::Model;

#[derive(Model)]
#[strata(table = "posts")]
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
