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
static GOOSE: Migrator = strata::embed_migrations!("../migrate/goose_postgres");
static DBMATE: Migrator = strata::embed_migrations!("../migrate/dbmate_sqlite");
static FLYWAY: Migrator = strata::embed_migrations!("../migrate/flyway_mysql");
static PRISMA: Migrator = strata::embed_migrations!("../migrate/prisma_postgres");
static NAMED: Migrator = strata::embed_migrations!("../migrate/named_sqlite");
static VERSIONED: Migrator = strata::embed_migrations!("../migrate/versioned_mysql");

/// Flyway's scripts (with their undo scripts) on MariaDB and Prisma's folders on PostgreSQL,
/// embedded as they are, applied and (Flyway) reverted.
#[tokio::test]
async fn flyway_and_prisma_histories_run_as_they_are() {
    if let Some(pool) = db::postgres_pool("prisma").await {
        assert!(PRISMA.migrations().iter().all(|m| m.down.is_none()));
        PRISMA.run(&pool).await.expect("up");
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'User' ORDER BY ordinal_position",
        )
        .fetch_all(&pool)
        .await
        .expect("reads");
        assert_eq!(columns, ["id", "email", "notes"]);
        assert_eq!(PRISMA.status(&pool).await.expect("status").current(), Some(20260102000000));
    }
    let Some(pool) = db::mysql_pool("flyway").await else { return };
    assert_eq!(FLYWAY.migrations().iter().map(|m| m.version).collect::<Vec<_>>(), [1, 2]);
    FLYWAY.run(&pool).await.expect("up");
    let index: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name = 'accounts_email'",
    )
    .fetch_one(&pool)
    .await
    .expect("reads");
    assert_eq!(index, 1);
    FLYWAY.undo_to(&pool, None).await.expect("down");
    let tables: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'accounts'")
            .fetch_one(&pool)
            .await
            .expect("reads");
    assert_eq!(tables, 0);
}

/// goose's and dbmate's files hold both directions: each runs alone, with its own marks of
/// transaction (a PL/pgSQL body between StatementBegin and StatementEnd, an index built
/// CONCURRENTLY under NO TRANSACTION), and the down takes everything back.
#[tokio::test]
async fn goose_and_dbmate_files_run_each_direction_alone() {
    let pool = db::sqlite_pool("dbmate").await;
    let notes = async |pool: &sqlx::SqlitePool| -> Vec<String> {
        sqlx::query_scalar("SELECT name FROM pragma_table_info('notes') ORDER BY cid")
            .fetch_all(pool)
            .await
            .expect("reads")
    };
    assert!(DBMATE.migrations()[1].no_transaction && !DBMATE.migrations()[1].down_no_transaction);
    DBMATE.run(&pool).await.expect("up");
    assert_eq!(notes(&pool).await, ["id", "body", "at"]);
    DBMATE.undo_to(&pool, None).await.expect("down");
    assert!(notes(&pool).await.is_empty());

    let Some(pool) = db::postgres_pool("goose").await else { return };
    assert!(GOOSE.migrations()[1].no_transaction && GOOSE.migrations()[1].down_no_transaction);
    GOOSE.run(&pool).await.expect("up");
    let count: i64 =
        sqlx::query_scalar("SELECT account_count()").fetch_one(&pool).await.expect("the function");
    assert_eq!(count, 0);
    let index: Option<String> =
        sqlx::query_scalar("SELECT indexname::text FROM pg_indexes WHERE indexname = 'accounts_email'")
            .fetch_optional(&pool)
            .await
            .expect("reads");
    assert_eq!(index.as_deref(), Some("accounts_email"));
    GOOSE.undo_to(&pool, None).await.expect("down");
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_class WHERE relname IN ('accounts', 'accounts_email')")
            .fetch_one(&pool)
            .await
            .expect("reads");
    assert_eq!(left, 0);
}

/// maragudk/migrate's names (`versions = "names"`, several per number, `_up.sql` too) and
/// temporal's versioned folders (each listed file a migration, in the manifest's order),
/// embedded by the macro and run as they are, up and down.
#[tokio::test]
async fn named_and_versioned_histories_run_as_they_are() {
    let names: Vec<String> = NAMED.migrations().iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["0001_create_table_a_principals", "0001.1_create_table_b_spaces", "0002_alter_spaces_add_name"]
    );
    let pool = db::sqlite_pool("named").await;
    assert_eq!(NAMED.run(&pool).await.expect("up").applied.len(), 3);
    assert_eq!(sqlite_tables(&pool).await, ["principals", "spaces"]);
    assert!(NAMED.verify_tables(&pool, Vec::new()).await.expect("verifies").is_clean());
    NAMED.undo_to(&pool, None).await.expect("down");
    assert!(sqlite_tables(&pool).await.is_empty());

    let names: Vec<String> = VERSIONED.migrations().iter().map(|m| m.name()).collect();
    assert_eq!(names, ["1.0_schema", "1.1_tasks", "1.1.1_executions_state"]);
    assert!(VERSIONED.migrations().iter().all(|m| m.down.is_none()));
    let Some(pool) = db::mysql_pool("versioned").await else { return };
    VERSIONED.run(&pool).await.expect("up");
    assert_eq!(mysql_tables(&pool).await, ["executions", "tasks"]);
    let v = VERSIONED.verify_tables(&pool, Vec::new()).await.expect("verifies");
    assert!(v.is_clean(), "{v}");
    assert_eq!(v.version, Some(1_000_001_001));
}

/// A migrator over migrations written here, for histories no directory should hold.
pub(crate) fn migrator(ms: &[(i64, &str, &str, Option<&str>)]) -> Migrator {
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
            no_transaction: strata::schema::migrations::says_no_transaction(up),
            down_no_transaction: down.is_some_and(strata::schema::migrations::says_no_transaction),
            replaces: &[],
            up_data: None,
            down_data: None,
        })
        .collect();
    Migrator::new(Box::leak(migrations.into_boxed_slice()))
}

fn versions(steps: &[strata::migrate::Step]) -> Vec<i64> {
    steps.iter().map(|s| s.version).collect()
}

/// Migrations that log each application, so that one applied twice shows.
const LOGGED: &[(i64, &str, &str, Option<&str>)] = &[
    (1, "log", "CREATE TABLE run_log (n INT NOT NULL)", Some("DROP TABLE run_log")),
    (2, "first", "INSERT INTO run_log (n) VALUES (2)", Some("DELETE FROM run_log WHERE n = 2")),
    (3, "second", "INSERT INTO run_log (n) VALUES (3)", Some("DELETE FROM run_log WHERE n = 3")),
];

/// The other half of `concurrent_migrators_apply_each_migration_once`: run by the test binary
/// in child processes, with the database in the environment; does nothing on its own.
#[tokio::test]
#[ignore = "run by concurrent_migrators_apply_each_migration_once in child processes"]
async fn child_migrator() {
    let (Ok(dialect), Ok(url)) = (std::env::var("STRATA_CHILD_DIALECT"), std::env::var("STRATA_CHILD_URL"))
    else {
        return;
    };
    let m = migrator(LOGGED);
    let result = match dialect.as_str() {
        "sqlite" => m.run(&sqlx::SqlitePool::connect(&url).await.expect("connects")).await,
        "postgres" => m.run(&sqlx::PgPool::connect(&url).await.expect("connects")).await,
        _ => m.run(&sqlx::MySqlPool::connect(&url).await.expect("connects")).await,
    };
    result.expect("the child's migrator succeeds");
}

/// Four migrators on their own connections in this process, and four in child processes,
/// all at once.
async fn run_concurrently<DB: strata::migrate::Backend>(pool: &sqlx::Pool<DB>, dialect: &str, url: &str) {
    let children: Vec<std::process::Child> = (0..4)
        .map(|_| {
            db::child("migrate::child_migrator", dialect, url)
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("a child process starts")
        })
        .collect();
    let m: &'static Migrator = Box::leak(Box::new(migrator(LOGGED)));
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { m.run(&pool).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("the task finishes").expect("each migrator succeeds");
    }
    for mut c in children {
        let status =
            tokio::task::spawn_blocking(move || c.wait()).await.expect("waits").expect("the child ends");
        assert!(status.success(), "a child migrator failed");
    }
    let status = migrator(LOGGED).status(pool).await.expect("status");
    assert!(status.is_up_to_date(), "{status}");
}

macro_rules! logged {
    ($pool:expr) => {{
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM run_log").fetch_one($pool).await.expect("counts");
        assert_eq!(n, 2, "each data migration ran exactly once");
    }};
}

#[tokio::test]
async fn concurrent_migrators_apply_each_migration_once() {
    let url = db::sqlite_url("mig_concurrent");
    let pool = sqlx::SqlitePool::connect(&url).await.expect("SQLite opens");
    run_concurrently(&pool, "sqlite", &url).await;
    logged!(&pool);
    if let Some(pool) = db::postgres_pool("mig_concurrent").await {
        let url = db::server_url(db::POSTGRES_URL, "mig_concurrent").expect("set");
        run_concurrently(&pool, "postgres", &url).await;
        logged!(&pool);
    }
    if let Some(pool) = db::mysql_pool("mig_concurrent").await {
        let url = db::server_url(db::MYSQL_URL, "mig_concurrent").expect("set");
        run_concurrently(&pool, "mysql", &url).await;
        logged!(&pool);
    }
}

/// The same checks on every database; `$tables` reads the table names of the database,
/// `$int` and `$varchar50` are the dialect's canonical spellings of `INT` and `VARCHAR(50)`.
macro_rules! migrator_tests {
    ($module:ident, $pool:expr, $embedded:expr, $tables:expr, $int:literal, $varchar50:literal) => {
        mod $module {
            use super::*;

            /// A model of `things` as `verify` sees models: a constant table definition.
            static THINGS: strata::TableDef = strata::TableDef {
                name: "things",
                model: "Thing",
                columns: &[
                    strata::ColumnDef {
                        name: "id",
                        field: "id",
                        sql_type: $int,
                        nullable: false,
                        default: None,
                        auto_increment: false,
                    },
                    strata::ColumnDef {
                        name: "name",
                        field: "name",
                        sql_type: $varchar50,
                        nullable: true,
                        default: None,
                        auto_increment: false,
                    },
                ],
                primary_key: &["id"],
                uniques: &[],
                indexes: &[],
                foreign_keys: &[],
                checks: &[],
            };

            #[tokio::test]
            async fn verify_reports_drift_in_words() {
                let Some(pool) = $pool("mig_verify").await else { return };
                let m = migrator(&[(
                    1,
                    "things",
                    "CREATE TABLE things (id INT PRIMARY KEY, name VARCHAR(50))",
                    Some("DROP TABLE things"),
                )])
                .with_unmanaged(&["legacy_*"]);
                m.run(&pool).await.expect("runs");
                let v = m.verify(&pool, [&THINGS]).await.expect("verifies");
                assert!(v.is_clean(), "{v}");
                assert_eq!(v.version, Some(1));

                sqlx::raw_sql("CREATE TABLE legacy_accounts (id INT)")
                    .execute(&pool)
                    .await
                    .expect("another app's table");
                assert!(
                    m.verify(&pool, [&THINGS]).await.expect("verifies").is_clean(),
                    "unmanaged tables are left alone"
                );

                sqlx::raw_sql("ALTER TABLE things ADD COLUMN sneaky INT")
                    .execute(&pool)
                    .await
                    .expect("a change by hand");
                sqlx::raw_sql("CREATE TABLE stray (id INT)").execute(&pool).await.expect("a table by hand");
                let v = m.verify(&pool, [&THINGS]).await.expect("verifies");
                assert!(!v.is_clean());
                let text = v.to_string();
                assert!(
                    v.against_migrations.contains(
                        &"column `things.sneaky` is in the database, but not in the migrations".to_owned()
                    ),
                    "{text}"
                );
                assert!(
                    v.against_migrations
                        .contains(&"table `stray` is in the database, but not in the migrations".to_owned()),
                    "{text}"
                );
                assert!(
                    v.against_models.contains(
                        &"column `things.sneaky` is in the database, but not in the model".to_owned()
                    ),
                    "{text}"
                );
            }

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

migrator_tests!(sqlite, sqlite_pool, SQLITE, sqlite_tables, "integer", "text");
migrator_tests!(postgres, db::postgres_pool, POSTGRES, postgres_tables, "integer", "varchar(50)");
migrator_tests!(mysql, db::mysql_pool, MYSQL, mysql_tables, "int", "varchar(50)");

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

/// The start-up policies: apply, refuse or warn when behind; always refuse ahead or changed.
#[tokio::test]
async fn startup_policies() {
    use strata::migrate::Policy;
    let pool = db::sqlite_pool("mig_startup").await;
    let v1 = migrator(&[(1, "one", "CREATE TABLE one_t (id INT)", Some("DROP TABLE one_t"))]);
    let v2 = migrator(&[
        (1, "one", "CREATE TABLE one_t (id INT)", Some("DROP TABLE one_t")),
        (2, "two", "CREATE TABLE two_t (id INT)", Some("DROP TABLE two_t")),
    ]);
    let e = v1.startup(&pool, Policy::Refuse).await.expect_err("pending is refused");
    assert!(matches!(&e, MigrateError::Pending { pending } if pending == &["1_one"]), "{e}");
    let warned = v1.startup(&pool, Policy::Warn).await.expect("starts");
    assert!(warned.warnings[0].contains("1 pending (1_one)") && warned.status.is_behind());
    let applied = v1.startup(&pool, Policy::Apply).await.expect("applies");
    assert_eq!(versions(&applied.applied), [1]);
    assert!(applied.status.is_up_to_date() && applied.warnings.is_empty());
    assert!(v1.startup(&pool, Policy::Refuse).await.expect("up to date").applied.is_empty());

    v2.run(&pool).await.expect("a newer binary migrates");
    for policy in [Policy::Apply, Policy::Refuse, Policy::Warn] {
        let e = v1.startup(&pool, policy).await.expect_err("the database is ahead");
        assert!(matches!(e, MigrateError::UnknownVersion { version: 2, .. }), "{policy:?}: {e}");
    }
    let changed = migrator(&[
        (1, "one", "CREATE TABLE one_t (id BIGINT)", Some("DROP TABLE one_t")),
        (2, "two", "CREATE TABLE two_t (id INT)", Some("DROP TABLE two_t")),
    ]);
    let e = changed.startup(&pool, Policy::Apply).await.expect_err("a changed migration");
    assert!(matches!(e, MigrateError::ChecksumMismatch { .. }), "{e}");
}

/// `-- no-transaction` runs a migration outside a transaction: PostgreSQL's
/// `CREATE INDEX CONCURRENTLY` refuses to run inside one.
#[tokio::test]
async fn no_transaction_migrations_run_outside_a_transaction() {
    let Some(pool) = db::postgres_pool("mig_no_txn").await else { return };
    let concurrently = "CREATE INDEX CONCURRENTLY t_name ON t (name)";
    let inside = migrator(&[
        (1, "t", "CREATE TABLE t (id INT PRIMARY KEY, name TEXT)", None),
        (2, "ix", concurrently, None),
    ]);
    let e = inside.run(&pool).await.expect_err("not inside a transaction");
    assert!(e.to_string().contains("CREATE INDEX CONCURRENTLY cannot run inside a transaction block"), "{e}");

    // Several statements, each outside a transaction (sent together, PostgreSQL would run them
    // in one implicit transaction and refuse).
    let mut outside = inside.migrations().to_vec();
    outside[1].up = "-- no-transaction\nCREATE INDEX CONCURRENTLY t_name ON t (name);\nCREATE INDEX CONCURRENTLY t_id_name ON t (id, name);";
    outside[1].checksum = checksum(outside[1].up);
    outside[1].sqlx_checksum = sqlx_checksum(outside[1].up);
    outside[1].no_transaction = true;
    let outside = Migrator::new(Box::leak(outside.into_boxed_slice()));
    assert_eq!(versions(&outside.run(&pool).await.expect("runs outside").applied), [2]);
}

/// What `strata generate` writes for dropping a NOT NULL column, run up and down on a table
/// with rows: each direction in its own transaction mode (SQLite's down is a `-- no-transaction`
/// rebuild and its up is not; the down once ran inside a transaction and failed), and the
/// column comes back holding the placeholder the down's comment names.
fn drop_column_migrator(d: strata::schema::Dialect, create: &str) -> Migrator {
    use strata::schema::migrations::says_no_transaction;
    let mut schema = strata::schema::Schema::default();
    strata::schema::replay::apply_sql(d, &mut schema, std::path::Path::new("1.sql"), create)
        .expect("replays");
    let mut users = schema.table("users").expect("users").clone();
    users.normalize(d);
    users.columns.retain(|c| c.name != "age");
    let target =
        strata::schema::plan::Target { table: users, renamed_from: None, column_renames: Vec::new() };
    let plan = strata::schema::plan::plan(d, &schema, &[target], &Default::default(), &[])
        .expect("plans")
        .expect("a change");
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let m = |version: i64, up: &str, down: &str| Migration {
        version,
        version_text: leak(&version.to_string()),
        description: "m",
        up: leak(up),
        down: Some(leak(down)),
        checksum: checksum(up),
        sqlx_checksum: sqlx_checksum(up),
        no_transaction: says_no_transaction(up),
        down_no_transaction: says_no_transaction(down),
        replaces: &[],
        up_data: None,
        down_data: None,
    };
    let ms = vec![m(1, create, "DROP TABLE users"), m(2, &plan.up.sql, &plan.down.sql)];
    Migrator::new(Box::leak(ms.into_boxed_slice()))
}

/// Up and down on a table with rows; the ages the column comes back with.
macro_rules! drop_column_round {
    ($pool:expr, $d:expr, $create:expr, $age:ty) => {{
        const ROWS: &str = "INSERT INTO users (id, email, age) VALUES (1, 'a@x', 30), (2, 'b@x', 40)";
        let (pool, m) = ($pool, drop_column_migrator($d, $create));
        m.run_to(&pool, 1).await.expect("creates");
        sqlx::raw_sql(ROWS).execute(&pool).await.expect("rows");
        m.run(&pool).await.expect("drops the column");
        m.undo(&pool, 1).await.expect("brings it back");
        let ages: Vec<$age> =
            sqlx::query_scalar("SELECT age FROM users ORDER BY id").fetch_all(&pool).await.expect("reads");
        ages.into_iter().map(i64::from).collect::<Vec<i64>>()
    }};
}

#[tokio::test]
async fn a_generated_drop_column_goes_down_on_a_table_with_rows() {
    use strata::schema::Dialect;
    let create = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER NOT NULL)";
    let pool = db::sqlite_pool("drop_column_down").await;
    assert_eq!(drop_column_round!(pool, Dialect::Sqlite, create, i64), [0, 0]);
    let create = "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL, age INTEGER NOT NULL)";
    if let Some(pool) = db::postgres_pool("drop_column_down").await {
        assert_eq!(drop_column_round!(pool, Dialect::Postgres, create, i32), [0, 0]);
    }
    if let Some(pool) = db::mysql_pool("drop_column_down").await {
        assert_eq!(drop_column_round!(pool, Dialect::Mysql, create, i32), [0, 0]);
    }
}

/// Two branches merged the other way round: migration 2 arrives after 3 was applied. The run
/// refuses, naming both, and applies nothing; allowed, it applies 2 alone.
#[tokio::test]
async fn a_migration_older_than_the_applied_ones_is_refused() {
    let pool = db::sqlite_pool("out_of_order").await;
    let first = migrator(&[LOGGED[0], LOGGED[2]]);
    first.run(&pool).await.expect("1 and 3 apply");
    let merged = migrator(LOGGED);
    let e = merged.run(&pool).await.expect_err("2 comes too late");
    let message = e.to_string();
    assert!(
        message
            .contains("migration 2_first is pending, but 3_second, which comes after it, is already applied"),
        "{message}"
    );
    let logged: Vec<i64> =
        sqlx::query_scalar("SELECT n FROM run_log ORDER BY n").fetch_all(&pool).await.expect("reads");
    assert_eq!(logged, [3], "nothing was applied");
    // Allowed, it is applied, and the history shows it was applied out of order (by its time,
    // which the databases record to the second).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = merged.allow_out_of_order(true).run(&pool).await.expect("allowed");
    assert_eq!(versions(&report.applied), [2]);
    let status = merged.status(&pool).await.expect("status");
    let two = status.entries[1].applied.as_ref().expect("applied");
    assert_eq!(two.out_of_order.as_deref(), Some("3_second"), "{status}");
    assert!(status.to_string().contains("out of order: after 3_second"), "{status}");
    assert!(status.entries[2].applied.as_ref().expect("applied").out_of_order.is_none());
}

/// The `tracing` events a run leaves: `(message, fields)` of each, by target `strata::migrate`.
#[derive(Clone, Default)]
struct Events(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl tracing::Subscriber for Events {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        m.target() == "strata::migrate"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() != "took_ms" {
                    self.0.push_str(&format!(" {}={value:?}", field.name()));
                }
            }
        }
        let mut fields = Fields(format!("{}", event.metadata().level()));
        event.record(&mut fields);
        self.0.lock().expect("events").push(fields.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Each migration applied or reverted is a `tracing` event (target `strata::migrate`) with its
/// name, version, direction, duration and outcome; a failure is one at ERROR with its error.
#[tokio::test]
async fn every_migration_applied_or_reverted_is_a_tracing_event() {
    let events = Events::default();
    let _guard = tracing::subscriber::set_default(events.clone());
    let pool = db::sqlite_pool("tracing").await;
    SQLITE.run(&pool).await.expect("up");
    SQLITE.undo(&pool, 1).await.expect("down");
    let bad = migrator(&[(1, "bad", "CREATE TABLE t (a INT); CREATE TABLE t (a INT);", None)]);
    let pool = db::sqlite_pool("tracing_bad").await;
    bad.run(&pool).await.expect_err("fails");
    let seen = events.0.lock().expect("events").clone();
    let names: Vec<String> = SQLITE.migrations().iter().map(Migration::name).collect();
    let mut expected: Vec<String> = names
        .iter()
        .zip(SQLITE.migrations())
        .map(|(n, m)| {
            format!(
                "INFO message=migration applied migration={n} version={} direction=\"up\" outcome=\"ok\"",
                m.version
            )
        })
        .collect();
    let last = SQLITE.migrations().last().expect("a migration");
    expected.push(format!(
        "INFO message=migration reverted migration={} version={} direction=\"down\" outcome=\"ok\"",
        last.name(),
        last.version
    ));
    assert_eq!(seen[..expected.len()], expected[..], "{seen:#?}");
    let failed = &seen[expected.len()..];
    assert!(
        failed.len() == 1 && failed[0].starts_with("ERROR message=migration failed migration=1_bad version=1 direction=\"up\" outcome=\"failed\" error="),
        "{failed:#?}"
    );
}
