// `skip` leaves the field out of the table; column options beside it are an error.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[strata(skip, unique)]
    pub cache: Vec<u8>,
}

fn main() {}
