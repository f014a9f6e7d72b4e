// `also` in strata.toml names another directory of the same models (another database's): the
// model is checked against it too, and a column it lacks is an error at the field that says
// which directory.
use strata::Model;

#[derive(Model)]
#[strata(table = "widgets", migrations = "also_pg")]
pub struct Widget {
    #[strata(primary_key)]
    pub id: i64,
    pub name: String,
}

fn main() {}
