//! Data migrations in Rust: a migration file's `-- strata:rust <path>` line runs an async
//! function of this crate over the migration's connection, between the SQL before and after
//! it, in the migration's transaction where the database has one. Each database: a run whose
//! function fails leaves nothing of the migration (SQLite, PostgreSQL), or stops at it and
//! carries on from it (MySQL); the function's rows are there after it, the down's function
//! runs too; the replay takes the step for one that changes no table; and a binary that does
//! not carry the function (the `strata` command) refuses the run before anything runs.

use strata::Migrator;
use strata::migrate::{Backend, DataError, MigrateError};
use strata::schema::{Dialect, MigrationSet};

use crate::db;

static DATA_SQLITE: Migrator = strata::embed_migrations!("../migrate/data_sqlite");
static DATA_POSTGRES: Migrator = strata::embed_migrations!("../migrate/data_postgres");
static DATA_MYSQL: Migrator = strata::embed_migrations!("../migrate/data_mysql");

const V1: i64 = 20260101000000;
const V2: i64 = 20260102000000;

/// The data steps, one a database: the same work over each one's connection.
macro_rules! steps {
    ($fill:ident, $forget:ident, $conn:ty) => {
        pub async fn $fill(c: &mut $conn) -> Result<(), DataError> {
            let people: Vec<(i32, String)> =
                sqlx::query_as("SELECT id, name FROM people").fetch_all(&mut *c).await?;
            for (id, name) in people {
                if name == "FAIL" {
                    return Err(format!("cannot take the initials of person {id}").into());
                }
                let initials: String = name
                    .split_whitespace()
                    .filter_map(|w| w.chars().next())
                    .flat_map(char::to_uppercase)
                    .collect();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "UPDATE people SET initials = '{initials}' WHERE id = {id}"
                )))
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        }

        pub async fn $forget(c: &mut $conn) -> Result<(), sqlx::Error> {
            sqlx::raw_sql("INSERT INTO events (what) VALUES ('initials forgotten')")
                .execute(c)
                .await
                .map(drop)
        }
    };
}

steps!(fill_initials_sqlite, forget_initials_sqlite, sqlx::SqliteConnection);
steps!(fill_initials_postgres, forget_initials_postgres, sqlx::PgConnection);
steps!(fill_initials_mysql, forget_initials_mysql, sqlx::MySqlConnection);

async fn exec<DB: Backend>(pool: &sqlx::Pool<DB>, sql: &str) {
    let mut conn = pool.acquire().await.expect("a connection");
    DB::execute(&mut conn, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The rows of a query of (text, integer, text).
async fn rows<DB: Backend>(pool: &sqlx::Pool<DB>, sql: &str) -> Vec<(String, i64, String)> {
    let mut conn = pool.acquire().await.expect("a connection");
    DB::rows(&mut conn, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn columns<DB: Backend>(pool: &sqlx::Pool<DB>) -> Vec<String> {
    let mut conn = pool.acquire().await.expect("a connection");
    let schema = DB::introspect(&mut conn).await.expect("introspects");
    schema.table("people").map(|t| t.columns.iter().map(|c| c.name.clone()).collect()).unwrap_or_default()
}

/// How the database differs from the replay of `set` (every table: `strata.toml` leaves them
/// unmanaged, which `verify` would pass over), or `None`.
pub(crate) async fn agrees<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    set: &MigrationSet,
    m: &Migrator,
) -> Option<String> {
    let mut expected = strata::schema::replay(set).expect("replays");
    expected.normalize(DB::DIALECT);
    let mut conn = pool.acquire().await.expect("a connection");
    let mut live = DB::introspect(&mut conn).await.expect("introspects");
    live.remove_table(m.table());
    live.remove_table(&strata::migrate::progress_table(m.table()));
    strata::schema::diff::describe(
        DB::DIALECT,
        &strata::schema::diff::MIGRATIONS_VS_DATABASE,
        &expected,
        &live,
    )
}

async fn data_steps<DB: Backend>(m: &'static Migrator, dir: &str, pool: sqlx::Pool<DB>) {
    let d = DB::DIALECT;
    let (int, text) = if d == Dialect::Mysql { ("SIGNED", "CHAR") } else { ("BIGINT", "TEXT") };
    assert_eq!(
        m.migrations()[1].up_data.map(|s| s.path),
        Some(format!("crate::data_steps::fill_initials_{}", d.name())).as_deref()
    );
    m.run_to(&pool, V1).await.expect("the tables");
    exec(
        &pool,
        "INSERT INTO people (id, name) VALUES (1, 'Ada Lovelace'), (2, 'grace brewster hopper'), (3, 'FAIL')",
    )
    .await;

    // The function fails: nothing of the migration stays where the database has a
    // transaction; on MySQL the ALTER is in, and the run stops at the step.
    let e = m.run(&pool).await.expect_err("the step fails");
    assert!(
        e.to_string().contains(&format!("the Rust step `crate::data_steps::fill_initials_{}` failed: cannot take the initials of person 3", d.name())),
        "{d:?}: {e}"
    );
    let status = m.status(&pool).await.expect("status");
    if d == Dialect::Mysql {
        assert!(
            matches!(e, MigrateError::Stopped { statement: (2, 3), committed: 1, lost: false, .. }),
            "{e}"
        );
        assert!(status.is_inconsistent(), "{status}");
        assert!(columns(&pool).await.contains(&"initials".to_owned()));
    } else {
        assert!(matches!(e, MigrateError::Failed { .. }), "{e}");
        assert_eq!(status.current(), Some(V1), "{status}");
        assert_eq!(columns(&pool).await, ["id", "name"], "{d:?}: the ALTER went with the step");
    }

    // Mended, the run carries on (from the step, on MySQL) and the rows have their initials.
    exec(&pool, "DELETE FROM people WHERE name = 'FAIL'").await;
    let report = m.run(&pool).await.unwrap_or_else(|e| panic!("{d:?}: {e}"));
    assert_eq!(report.applied.iter().map(|s| s.version).collect::<Vec<_>>(), [V2]);
    let got = rows(
        &pool,
        &format!("SELECT initials, CAST(id AS {int}), CAST('' AS {text}) FROM people ORDER BY id"),
    )
    .await;
    assert_eq!(got.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["AL", "GBH"], "{d:?}");
    // The replay takes the step for one that changes no table: the database agrees.
    let set =
        MigrationSet::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), None).expect("loads");
    assert_eq!(agrees(&pool, &set, m).await, None, "{d:?}");

    // The down's step runs before its SQL.
    m.undo(&pool, 1).await.unwrap_or_else(|e| panic!("{d:?}: {e}"));
    let events = rows(&pool, &format!("SELECT what, CAST(0 AS {int}), CAST('' AS {text}) FROM events")).await;
    assert_eq!(events.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["initials forgotten"]);
    assert_eq!(columns(&pool).await, ["id", "name"]);

    // The same migrations read from disk carry no function: refused before anything runs.
    let e = Migrator::from_set(&set).run(&pool).await.expect_err("refused");
    assert!(matches!(e, MigrateError::NoDataStep { line: 3, .. }), "{e}");
    assert!(e.to_string().contains("which this binary does not carry"), "{e}");
    assert_eq!(m.status(&pool).await.expect("status").current(), Some(V1), "nothing ran");

    // Each migration up, down and up again, compared with the replay.
    m.undo_to(&pool, None).await.expect("base");
    strata::testing::round_trip(&pool, m).await.unwrap_or_else(|e| panic!("{d:?}: {e}"));
}

#[tokio::test]
async fn data_steps_run_in_their_migration_on_sqlite() {
    data_steps::<sqlx::Sqlite>(&DATA_SQLITE, "migrate/data_sqlite", db::sqlite_pool("data_steps").await)
        .await;
}

#[tokio::test]
async fn data_steps_run_in_their_migration_on_postgres() {
    let Some(pool) = db::postgres_pool("data_steps").await else { return };
    data_steps::<sqlx::Postgres>(&DATA_POSTGRES, "migrate/data_postgres", pool).await;
}

#[tokio::test]
async fn data_steps_run_in_their_migration_on_mysql() {
    let Some(pool) = db::mysql_pool("data_steps").await else { return };
    data_steps::<sqlx::MySql>(&DATA_MYSQL, "migrate/data_mysql", pool).await;
}
