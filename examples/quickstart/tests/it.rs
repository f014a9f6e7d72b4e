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

/// `quickstart migrate ...`: strata's database commands mounted in the application's own
/// binary, over the migrations it embeds and the models it links.
#[test]
fn the_binary_carries_the_migrate_commands() {
    let dir = std::env::temp_dir().join(format!("strata-quickstart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.join("app.db").display());
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_quickstart"))
            .args(args)
            .env("DATABASE_URL", &url)
            .current_dir(&dir)
            .output()
            .expect("the binary runs")
    };
    let ok = |args: &[&str]| {
        let out = run(args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{args:?}: {text}{}", String::from_utf8_lossy(&out.stderr));
        text
    };

    let status: serde_json::Value =
        serde_json::from_str(&ok(&["migrate", "status", "--json"])).expect("JSON");
    assert_eq!(status["pending"], 3, "{status}");
    let out = ok(&["migrate", "up", "+1"]);
    assert!(out.contains("applied  20260101090000_create_users"), "{out}");
    // Hints name the command as this binary runs it.
    let out = ok(&["migrate", "status"]);
    assert!(out.contains("2 pending (`quickstart migrate up` applies them)"), "{out}");
    ok(&["migrate", "up"]);
    let out = ok(&["migrate", "verify"]);
    assert!(out.contains("matches its migrations and the models"), "{out}");

    // One step back: the database lacks a column the linked models have, and a pending
    // migration adds it, so it is behind rather than drifted.
    let out = ok(&["migrate", "down"]);
    assert!(out.contains("reverted 20260103090000_add_bio"), "{out}");
    let out = run(&["migrate", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is behind its migrations: 1 pending"), "{err}");
    assert!(err.contains("`quickstart migrate up` applies the pending ones"), "{err}");

    let out = run(&["migrate", "down", "20990101000000"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`quickstart migrate history` lists the migrations"), "{err}");

    ok(&["migrate", "up"]);
    assert_eq!(ok(&["migrate", "history"]).lines().count(), 3);
    ok(&["migrate", "stamp", "base", "--force"]);
    assert_eq!(ok(&["migrate", "current"]).trim(), "base (no migration applied)");

    // The application itself, on a database of its own: migrates at start-up, then works.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_quickstart"))
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.join("demo.db").display()))
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("models in this binary: "));

    // On a terminal, a progress bar is drawn on standard error while migrations run.
    match std::process::Command::new("script")
        .args(["-qec", &format!("{} migrate up", env!("CARGO_BIN_EXE_quickstart")), "/dev/null"])
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.join("tty.db").display()))
        .output()
    {
        Ok(out) => {
            let screen = String::from_utf8_lossy(&out.stdout);
            assert!(screen.contains("] 0/3 applying 20260101090000_create_users"), "{screen:?}");
            assert!(screen.contains("[##########"), "{screen:?}");
            assert!(screen.contains("\r\x1b[2Kapplied  20260103090000_add_bio"), "{screen:?}");
        }
        Err(e) => eprintln!("skipped the progress bar: `script` (util-linux) does not run here: {e}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
