//! Every migration of the quickstart goes up, down and up again, and the database matches
//! strata's replay at each step: on SQLite always, on PostgreSQL and MariaDB when
//! `STRATA_TEST_POSTGRES_URL` / `STRATA_TEST_MYSQL_URL` name a server.

use std::str::FromStr;

use sqlx::ConnectOptions;
use strata::testing::round_trip;

static MIGRATOR: strata::Migrator = strata::embed_migrations!("migrations");

/// The server URL in `var`, or why the test skips (a failure under `CI=true`).
fn server(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{var} is not set, and CI=true");
            eprintln!("skipped: set {var} to round-trip on that server too");
            None
        }
    }
}

/// `url` with its database replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, _) = url.split_once('?').unwrap_or((url, ""));
    format!("{}/{db}", base.rsplit_once('/').expect("a database in the URL").0)
}

async fn recreate<C: sqlx::Connection>(mut admin: C, db: &str)
where
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
{
    for sql in [format!("DROP DATABASE IF EXISTS {db}"), format!("CREATE DATABASE {db}")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.expect("a database is created");
    }
}

#[tokio::test]
async fn every_migration_round_trips_on_sqlite() {
    let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.expect("SQLite opens");
    let report = round_trip(&pool, &MIGRATOR).await.expect("round trips");
    assert_eq!(report.checked.len(), 3);
}

#[tokio::test]
async fn every_migration_round_trips_on_postgres() {
    let Some(url) = server("STRATA_TEST_POSTGRES_URL") else { return };
    let admin =
        sqlx::postgres::PgConnectOptions::from_str(&url).expect("a URL").connect().await.expect("reachable");
    recreate(admin, "strata_quickstart").await;
    let pool = sqlx::PgPool::connect(&with_database(&url, "strata_quickstart")).await.expect("connects");
    assert_eq!(round_trip(&pool, &MIGRATOR).await.expect("round trips").checked.len(), 3);
}

#[tokio::test]
async fn every_migration_round_trips_on_mariadb() {
    let Some(url) = server("STRATA_TEST_MYSQL_URL") else { return };
    let admin =
        sqlx::mysql::MySqlConnectOptions::from_str(&url).expect("a URL").connect().await.expect("reachable");
    recreate(admin, "strata_quickstart").await;
    let pool = sqlx::MySqlPool::connect(&with_database(&url, "strata_quickstart")).await.expect("connects");
    assert_eq!(round_trip(&pool, &MIGRATOR).await.expect("round trips").checked.len(), 3);
}
