//! The migrator against real databases: apply, undo, targets, status; a failure in the middle;
//! refusal of a changed or unknown history; the lock released after a failure; and the history
//! table shared with sqlx's own migrator, both ways.

use std::time::Duration;

use strata::Migrator;
use strata::migrate::{MigrateError, Migration};
use strata::schema::migrations::{checksum, sqlx_checksum};

use crate::db;

static SQLITE: Migrator = strata::embed_migrations!("../migrate/sqlite");
static POSTGRES: Migrator = strata::embed_migrations!("../migrate/postgres");
static MYSQL: Migrator = strata::embed_migrations!("../migrate/mysql");

/// A migrator over migrations written here, for histories no directory should hold.
fn migrator(ms: &[(i64, &str, &str, Option<&str>)]) -> Migrator {
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let migrations: Vec<Migration> = ms
        .iter()
        .map(|(version, description, up, down)| Migration {
            version: *version,
            version_text: leak(&version.to_string()),
            description: leak(description),
            up: leak(up),
            down: down.map(leak),
            checksum: checksum(up),
            sqlx_checksum: sqlx_checksum(up),
            no_transaction: false,
        })
        .collect();
    Migrator::new(Box::leak(migrations.into_boxed_slice()))
}

fn versions(steps: &[strata::migrate::Step]) -> Vec<i64> {
    steps.iter().map(|s| s.version).collect()
}

/// The same checks on every database; `$tables` reads the table names of the database.
macro_rules! migrator_tests {
    ($module:ident, $pool:expr, $embedded:expr, $tables:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn apply_undo_and_targets() {
                let Some(pool) = $pool("mig_lifecycle").await else { return };
                let m = &$embedded;
                let v: Vec<i64> = m.migrations().iter().map(|m| m.version).collect();
                let status = m.status(&pool).await.expect("status");
                assert!(status.is_behind() && status.current().is_none(), "{status}");

                let report = m.run(&pool).await.expect("runs");
                assert_eq!(versions(&report.applied), v);
                assert_eq!($tables(&pool).await, ["accounts", "notes"]);
                let status = m.status(&pool).await.expect("status");
                assert!(status.is_up_to_date(), "{status}");
                assert_eq!(status.current(), Some(v[2]));
                assert!(m.run(&pool).await.expect("runs again").applied.is_empty());

                assert_eq!(versions(&m.undo(&pool, 1).await.expect("undoes one").reverted), [v[2]]);
                assert_eq!(
                    m.status(&pool).await.expect("status").pending().map(|m| m.version).collect::<Vec<_>>(),
                    [v[2]]
                );
                assert_eq!(versions(&m.undo_to(&pool, None).await.expect("to base").reverted), [v[1], v[0]]);
                assert!($tables(&pool).await.is_empty());

                assert_eq!(
                    versions(&m.run_to(&pool, v[1]).await.expect("to a target").applied),
                    [v[0], v[1]]
                );
                assert_eq!(
                    versions(&m.undo_to(&pool, Some(v[0])).await.expect("back to a target").reverted),
                    [v[1]]
                );
                assert_eq!(versions(&m.run(&pool).await.expect("to head").applied), [v[1], v[2]]);
                assert!(matches!(m.run_to(&pool, 42).await, Err(MigrateError::UnknownTarget(42))));
            }

            #[tokio::test]
            async fn a_failure_stops_at_the_last_good_version_and_frees_the_lock() {
                let Some(pool) = $pool("mig_failure").await else { return };
                let broken = migrator(&[
                    (1, "first", "CREATE TABLE first_t (id INT PRIMARY KEY)", Some("DROP TABLE first_t")),
                    (
                        2,
                        "second",
                        "CREATE TABLE second_t (id INT PRIMARY KEY,, x INT)",
                        Some("DROP TABLE second_t"),
                    ),
                    (3, "third", "CREATE TABLE third_t (id INT PRIMARY KEY)", Some("DROP TABLE third_t")),
                ]);
                let e = broken.run(&pool).await.expect_err("the second migration fails");
                let text = e.to_string();
                assert!(matches!(e, MigrateError::Failed { .. }), "{text}");
                assert!(text.contains("2_second") && text.contains("stays at version 1 (1_first)"), "{text}");
                assert_eq!($tables(&pool).await, ["first_t"]);
                let status = broken.status(&pool).await.expect("status");
                assert_eq!(status.current(), Some(1));

                // The lock went with the failure: a fixed migrator proceeds at once.
                let fixed = migrator(&[
                    (1, "first", "CREATE TABLE first_t (id INT PRIMARY KEY)", Some("DROP TABLE first_t")),
                    (
                        2,
                        "second",
                        "CREATE TABLE second_t (id INT PRIMARY KEY, x INT)",
                        Some("DROP TABLE second_t"),
                    ),
                    (3, "third", "CREATE TABLE third_t (id INT PRIMARY KEY)", Some("DROP TABLE third_t")),
                ]);
                let report = tokio::time::timeout(Duration::from_secs(20), fixed.run(&pool))
                    .await
                    .expect("the lock is free")
                    .expect("runs");
                assert_eq!(versions(&report.applied), [2, 3]);
            }

            #[tokio::test]
            async fn a_changed_or_unknown_history_is_refused() {
                let Some(pool) = $pool("mig_refusals").await else { return };
                let first = migrator(&[(1, "one", "CREATE TABLE one_t (id INT)", Some("DROP TABLE one_t"))]);
                first.run(&pool).await.expect("runs");
                let changed =
                    migrator(&[(1, "one", "CREATE TABLE one_t (id BIGINT)", Some("DROP TABLE one_t"))]);
                let e = changed.run(&pool).await.expect_err("a changed migration is refused");
                assert!(matches!(e, MigrateError::ChecksumMismatch { .. }), "{e}");
                assert!(e.to_string().contains("put the change in a new migration"), "{e}");

                let longer = migrator(&[
                    (1, "one", "CREATE TABLE one_t (id INT)", Some("DROP TABLE one_t")),
                    (2, "two", "CREATE TABLE two_t (id INT)", Some("DROP TABLE two_t")),
                ]);
                longer.run(&pool).await.expect("runs");
                let e = first.run(&pool).await.expect_err("an unknown applied version is refused");
                assert!(matches!(e, MigrateError::UnknownVersion { version: 2, .. }), "{e}");
                assert!(first.status(&pool).await.expect("status").is_ahead());

                let up_only = migrator(&[
                    (1, "one", "CREATE TABLE one_t (id INT)", Some("DROP TABLE one_t")),
                    (2, "two", "CREATE TABLE two_t (id INT)", None),
                ]);
                let e = up_only.undo(&pool, 1).await.expect_err("no down SQL");
                assert!(matches!(e, MigrateError::Irreversible { .. }), "{e}");
            }

            /// sqlx's own migrator reads a database strata migrated as up to date, and strata
            /// carries on a database sqlx migrated.
            #[tokio::test]
            async fn the_history_is_shared_with_sqlx() {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrate")
                    .join(stringify!($module));
                let Some(pool) = $pool("mig_sqlx_reads").await else { return };
                $embedded.run(&pool).await.expect("strata runs");
                let sqlx_migrator =
                    sqlx::migrate::Migrator::new(dir.as_path()).await.expect("sqlx reads the directory");
                sqlx_migrator.run(&pool).await.expect("sqlx agrees with strata's history");
                assert!($embedded.status(&pool).await.expect("status").is_up_to_date());

                let Some(pool) = $pool("mig_sqlx_first").await else { return };
                sqlx_migrator.run(&pool).await.expect("sqlx runs");
                let status = $embedded.status(&pool).await.expect("status");
                assert!(status.is_up_to_date(), "{status}");
                assert!($embedded.run(&pool).await.expect("strata carries on").applied.is_empty());
                assert_eq!(
                    versions(&$embedded.undo(&pool, 1).await.expect("and undoes").reverted),
                    [20260103000000]
                );
            }
        }
    };
}

async fn sqlite_pool(name: &str) -> Option<sqlx::SqlitePool> {
    Some(db::sqlite_pool(name).await)
}

async fn sqlite_tables(pool: &sqlx::SqlitePool) -> Vec<String> {
    let mut conn = pool.acquire().await.expect("connects");
    strata::introspect::introspect_sqlite(&mut conn).await.expect("reads").tables.into_keys().collect()
}

async fn postgres_tables(pool: &sqlx::PgPool) -> Vec<String> {
    let mut conn = pool.acquire().await.expect("connects");
    strata::introspect::introspect_postgres(&mut conn).await.expect("reads").tables.into_keys().collect()
}

async fn mysql_tables(pool: &sqlx::MySqlPool) -> Vec<String> {
    let mut conn = pool.acquire().await.expect("connects");
    strata::introspect::introspect_mysql(&mut conn).await.expect("reads").tables.into_keys().collect()
}

migrator_tests!(sqlite, sqlite_pool, SQLITE, sqlite_tables);
migrator_tests!(postgres, db::postgres_pool, POSTGRES, postgres_tables);
migrator_tests!(mysql, db::mysql_pool, MYSQL, mysql_tables);

/// Targets and undo follow the history's order, not the versions' numbers: diesel orders
/// versions as text, and vaultwarden has a `2024-03-13_170000` folder whose version is the
/// short `20240313`, after `20180114171611` in its history.
#[tokio::test]
async fn order_is_the_history_order() {
    let pool = db::sqlite_pool("mig_order").await;
    let m = migrator(&[
        (20180114171611, "first", "CREATE TABLE a (id INT)", Some("DROP TABLE a")),
        (20240313, "second", "CREATE TABLE b (id INT)", Some("DROP TABLE b")),
        (20250101000000, "third", "CREATE TABLE c (id INT)", Some("DROP TABLE c")),
    ]);
    assert_eq!(versions(&m.run_to(&pool, 20180114171611).await.expect("runs").applied), [20180114171611]);
    assert_eq!(versions(&m.run_to(&pool, 20240313).await.expect("runs").applied), [20240313]);
    assert_eq!(m.status(&pool).await.expect("status").current(), Some(20240313));
    m.run(&pool).await.expect("runs");
    assert_eq!(versions(&m.undo(&pool, 2).await.expect("undoes").reverted), [20250101000000, 20240313]);
    m.run(&pool).await.expect("runs");
    assert_eq!(
        versions(&m.undo_to(&pool, Some(20180114171611)).await.expect("undoes").reverted),
        [20250101000000, 20240313]
    );
}
