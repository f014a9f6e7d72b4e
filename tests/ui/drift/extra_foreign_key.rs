// A foreign key in the migrations that the model omits is an error at the field.
use strata::Model;

#[derive(Model)]
#[strata(table = "posts", check = "length(title) > 0")]
pub struct Post {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(index)]
    pub author_id: i64,
    pub title: String,
    pub body: String,
    #[strata(default = "false")]
    pub published: bool,
}

fn main() {}
