//! One model set, several databases: `migrate/multi_postgres/strata.toml` names
//! `migrate/multi_sqlite` under `also`, so the derive checks `Gadget` against both (a drift in
//! either is a compile error; `ui/drift/also_*` shows one), and gives its table in each
//! dialect's types. Each database, migrated by its own directory, verifies against the models
//! in its own types.

use strata::migrate::Backend;
use strata::schema::Dialect;
use strata::{Migrator, Model};

use crate::db;

#[allow(dead_code)] // read by the derive, not by the tests
#[derive(strata::Model)]
#[strata(table = "gadgets", migrations = "migrate/multi_postgres")]
pub struct Gadget {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(max_length = 80)]
    pub name: String,
    pub launched: Option<chrono::DateTime<chrono::Utc>>,
    #[strata(default = "0")]
    pub weight: f64,
}

static POSTGRES: Migrator = strata::embed_migrations!("../migrate/multi_postgres");
static SQLITE: Migrator = strata::embed_migrations!("../migrate/multi_sqlite");

#[test]
fn a_model_has_its_table_in_each_dialect() {
    assert_eq!(
        Gadget::TABLES.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
        [Dialect::Postgres, Dialect::Sqlite]
    );
    let ty = |d: Dialect, column: &str| Gadget::table_for(d).column(column).map(|c| c.sql_type);
    assert_eq!(Gadget::TABLE, Gadget::table_for(Dialect::Postgres), "TABLE is the first directory's");
    assert_eq!(
        (ty(Dialect::Postgres, "weight"), ty(Dialect::Sqlite, "weight")),
        (Some("double precision"), Some("real"))
    );
    assert_eq!(
        (ty(Dialect::Postgres, "launched"), ty(Dialect::Sqlite, "launched")),
        (Some("timestamptz"), Some("datetime"))
    );
    // A dialect no directory has: the first's.
    assert_eq!(Gadget::table_for(Dialect::Mysql), Gadget::TABLE);
    let sqlite = strata::models_for(Dialect::Sqlite).find(|t| t.name == "gadgets").expect("registered");
    assert_eq!(sqlite, Gadget::table_for(Dialect::Sqlite));
}

async fn verified<DB: Backend>(pool: &sqlx::Pool<DB>, m: &Migrator) {
    let d = DB::DIALECT;
    m.run(pool).await.unwrap_or_else(|e| panic!("{d:?}: {e}"));
    let gadgets = |t: &&strata::TableDef| t.name == "gadgets";
    let v = m.verify(pool, strata::models_for(d).filter(gadgets)).await.expect("verifies");
    assert!(v.is_clean(), "{d:?}: {v}");
    // The other dialect's types are not this database's: told apart, not taken for a match.
    let other = if d == Dialect::Sqlite { Dialect::Postgres } else { Dialect::Sqlite };
    let v = m.verify(pool, strata::models_for(other).filter(gadgets)).await.expect("verifies");
    assert!(!v.is_clean(), "{d:?} against {other:?}'s types: {v}");
    m.undo_to(pool, None).await.expect("base");
}

#[tokio::test]
async fn each_database_verifies_against_the_models_in_its_types() {
    verified(&db::sqlite_pool("dialects").await, &SQLITE).await;
    let Some(pool) = db::postgres_pool("dialects").await else { return };
    verified(&pool, &POSTGRES).await;
}
