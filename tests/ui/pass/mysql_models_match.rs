// MySQL models that match their migrations compile.
use strata::Model;

#[derive(Model)]
#[strata(table = "accounts", migrations = "../drift_mysql/migrations")]
pub struct Account {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    #[strata(default = "true")]
    pub active: bool,
    pub note: Option<String>,
}

fn main() {}
