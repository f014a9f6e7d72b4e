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
fn url(var: &str) -> Option<String> {
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

/// A fresh PostgreSQL database named `name`, or `None` when PostgreSQL is not configured.
pub async fn postgres(name: &str) -> Option<PgConnection> {
    let url = url(POSTGRES_URL)?;
    let admin_options = PgConnectOptions::from_str(&url).expect("a PostgreSQL URL");
    let mut admin = admin_options.connect().await.expect("PostgreSQL is reachable");
    let db = format!("strata_t_{name}");
    for sql in [format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"), format!("CREATE DATABASE {db}")] {
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await.expect("a test database can be created");
    }
    admin.close().await.ok();
    Some(admin_options.database(&db).connect().await.expect("the test database opens"))
}

/// A fresh MySQL/MariaDB database named `name`, or `None` when MySQL is not configured.
pub async fn mysql(name: &str) -> Option<MySqlConnection> {
    let url = url(MYSQL_URL)?;
    let admin_options = MySqlConnectOptions::from_str(&url).expect("a MySQL URL");
    let mut admin = admin_options.connect().await.expect("MySQL is reachable");
    let db = format!("strata_t_{name}");
    sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}")))
        .execute(&mut admin)
        .await
        .expect("a test database can be created");
    admin.close().await.ok();
    Some(admin_options.database(&db).connect().await.expect("the test database opens"))
}
