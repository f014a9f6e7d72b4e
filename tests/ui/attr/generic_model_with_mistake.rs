// A generic model with a mistake shows that mistake alone: the fallback impl keeps the generics.
use strata::Model;

#[derive(Model)]
#[strata(table = "items")]
pub struct Item<T> {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(colour = "red")]
    pub name: String,
    #[strata(skip)]
    pub marker: std::marker::PhantomData<T>,
}

fn main() {}
