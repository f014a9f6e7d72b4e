//! Reaching the test databases: SQLite always; PostgreSQL and MariaDB when their URLs are set.
//!
//! `STRATA_TEST_POSTGRES_URL` and `STRATA_TEST_MYSQL_URL` name a server and an admin database;
//! each test creates a database of its own there and drops it when done. Without a URL the
//! test prints why it skips, unless `CI=true`, where a missing database is a failure.

use std::str::FromStr;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

pub const POSTGRES_URL: &str = "STRATA_TEST_POSTGRES_URL";
pub const MYSQL_URL: &str = "STRATA_TEST_MYSQL_URL";

/// The URL in `var`, or `None` after printing why the test skips.
pub fn url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{var} is not set, and CI=true: database tests must run in CI")
        }
        _ => {
            eprintln!("skipped: set {var} to run this test against a real server");
            None
        }
    }
}

pub async fn sqlite() -> SqliteConnection {
    SqliteConnectOptions::from_str("sqlite::memory:")
        .expect("sqlite options")
        .foreign_keys(false)
        .connect()
        .await
        .expect("in-memory SQLite opens")
}

/// A pool over a fresh PostgreSQL database named `name`.
pub async fn postgres_pool(name: &str) -> Option<sqlx::PgPool> {
    let options = fresh_postgres(name).await?;
    Some(
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .expect("the test database opens"),
    )
}

/// A pool over a fresh MySQL database named `name`.
pub async fn mysql_pool(name: &str) -> Option<sqlx::MySqlPool> {
    let options = fresh_mysql(name).await?;
    Some(
        sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .expect("the test database opens"),
    )
}

/// A fresh SQLite database file named `name` in the temporary directory, as a URL.
pub fn sqlite_url(name: &str) -> String {
    let path = std::env::temp_dir().join(format!("strata-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The URL of the database `name` on the server `var` names (no database is created).
pub fn server_url(var: &str, name: &str) -> Option<String> {
    let url = url(var)?;
    let (base, query) = url.split_once('?').map_or((url.as_str(), None), |(b, q)| (b, Some(q)));
    let (server, _) = base.rsplit_once('/')?;
    Some(match query {
        Some(q) => format!("{server}/strata_t_{name}?{q}"),
        None => format!("{server}/strata_t_{name}"),
    })
}

/// A pool over a fresh SQLite database file named `name` in the temporary directory.
pub async fn sqlite_pool(name: &str) -> sqlx::SqlitePool {
    let options = SqliteConnectOptions::from_str(&sqlite_url(name)).expect("a SQLite URL");
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .expect("SQLite opens")
}

/// A fresh PostgreSQL database named `name`, or `None` when PostgreSQL is not configured.
pub async fn postgres(name: &str) -> Option<PgConnection> {
    Some(fresh_postgres(name).await?.connect().await.expect("the test database opens"))
}

async fn fresh_postgres(name: &str) -> Option<PgConnectOptions> {
    let url = url(POSTGRES_URL)?;
    let admin_options = PgConnectOptions::from_str(&url).expect("a PostgreSQL URL");
    let mut admin = admin_options.connect().await.expect("PostgreSQL is reachable");
    let db = format!("strata_t_{name}");
    for sql in [format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"), format!("CREATE DATABASE {db}")] {
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await.expect("a test database can be created");
    }
    admin.close().await.ok();
    Some(admin_options.database(&db))
}

/// A fresh MySQL/MariaDB database named `name`, or `None` when MySQL is not configured.
pub async fn mysql(name: &str) -> Option<MySqlConnection> {
    Some(fresh_mysql(name).await?.connect().await.expect("the test database opens"))
}

pub async fn fresh_mysql(name: &str) -> Option<MySqlConnectOptions> {
    let url = url(MYSQL_URL)?;
    let admin_options = MySqlConnectOptions::from_str(&url).expect("a MySQL URL");
    let mut admin = admin_options.connect().await.expect("MySQL is reachable");
    let db = format!("strata_t_{name}");
    sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}")))
        .execute(&mut admin)
        .await
        .expect("a test database can be created");
    admin.close().await.ok();
    Some(admin_options.database(&db))
}

/// This test binary, to run only the ignored test `test` in a child process (the other half of a
/// test that needs processes of its own), with the database in its environment as
/// `STRATA_CHILD_DIALECT` and `STRATA_CHILD_URL`.
pub fn child(test: &str, dialect: &str, url: &str) -> std::process::Command {
    let mut c = std::process::Command::new(std::env::current_exe().expect("the test binary"));
    c.args(["--exact", test, "--ignored", "--quiet"])
        .env("STRATA_CHILD_DIALECT", dialect)
        .env("STRATA_CHILD_URL", url);
    c
}
