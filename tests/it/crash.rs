//! The migrator under crashes: `kill -9` of a process in the middle of `up`, and the server
//! killing the migrator's connection (`KILL`, `pg_terminate_backend`), at random moments, on
//! every database. After each, the documented recovery (run `up` again) must reach head with
//! every statement run exactly once and the schema as the migrations make it.
//!
//! `STRATA_CRASH_TRIALS` sets the trials per kind and database (CI runs a few; the figures in
//! `docs/reliability.md` come from a run with 200), `STRATA_CRASH_SEED` the first seed.

use std::time::{Duration, Instant};

use strata::Migrator;
use strata::migrate::Backend;
use strata::schema::Dialect;

use crate::db;
use crate::migrate::migrator;

/// Eight migrations of DDL and data; each statement of data writes a key that may be written
/// once only, so a statement run twice fails the recovery. On PostgreSQL the fifth runs outside
/// a transaction (`-- no-transaction`, its index made `CONCURRENTLY`), statement by statement.
fn trial(dialect: Dialect) -> Migrator {
    let mut ms: Vec<(i64, String, String, Option<String>)> = vec![(
        1,
        "log".into(),
        "CREATE TABLE trial_log (step INT NOT NULL PRIMARY KEY)".into(),
        Some("DROP TABLE trial_log".into()),
    )];
    for i in 2..=9 {
        ms.push((
            i,
            format!("t{i}"),
            format!(
                "CREATE TABLE t{i} (id INT NOT NULL PRIMARY KEY, a INT);\n\
                 INSERT INTO trial_log (step) VALUES ({i}01);\n\
                 CREATE INDEX t{i}_a ON t{i} (a);\n\
                 INSERT INTO t{i} (id, a) VALUES (1, 1), (2, 2);\n\
                 ALTER TABLE t{i} ADD COLUMN b INT;\n\
                 INSERT INTO trial_log (step) VALUES ({i}02);\n"
            ),
            Some(format!("DROP TABLE t{i};\nDELETE FROM trial_log WHERE step IN ({i}01, {i}02);\n")),
        ));
    }
    if dialect == Dialect::Postgres {
        let (_, _, up, down) = &mut ms[4];
        *up = format!("-- no-transaction\n{}", up.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY"));
        *down = down.as_ref().map(|d| format!("-- no-transaction\n{d}"));
    }
    let refs: Vec<(i64, &str, &str, Option<&str>)> =
        ms.iter().map(|(v, d, u, down)| (*v, d.as_str(), u.as_str(), down.as_deref())).collect();
    migrator(&refs)
}

/// The other half of the `kill -9` trials: run by the test binary in a child process, with the
/// database in the environment; does nothing on its own.
#[tokio::test]
#[ignore = "run by the crash trials in child processes"]
async fn child_up() {
    let (Ok(dialect), Ok(url)) = (std::env::var("STRATA_CHILD_DIALECT"), std::env::var("STRATA_CHILD_URL"))
    else {
        return;
    };
    let m = trial(match dialect.as_str() {
        "sqlite" => Dialect::Sqlite,
        "postgres" => Dialect::Postgres,
        _ => Dialect::Mysql,
    });
    let result = match dialect.as_str() {
        "sqlite" => m.run(&sqlx::SqlitePool::connect(&url).await.expect("connects")).await,
        "postgres" => m.run(&sqlx::PgPool::connect(&url).await.expect("connects")).await,
        _ => m.run(&sqlx::MySqlPool::connect(&url).await.expect("connects")).await,
    };
    result.expect("the child's run succeeds");
}

fn trials() -> u64 {
    std::env::var("STRATA_CRASH_TRIALS").ok().and_then(|n| n.parse().ok()).unwrap_or(5)
}

/// xorshift64*: the moments of the kills, the same for the same seed.
struct Seeds(u64);

impl Seeds {
    fn start() -> Self {
        let seed: u64 = std::env::var("STRATA_CRASH_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
        Seeds(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A duration in `[0, most)`.
    fn within(&mut self, most: Duration) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        most.mul_f64(r as f64 / (1u64 << 53) as f64)
    }
}

/// What the trials found, for the figures.
#[derive(Default, Debug)]
struct Tally {
    trials: u64,
    /// Left with a migration half done (MySQL), carried on by the recovery.
    half: u64,
    /// Of those, stopped while a statement ran, decided by comparing with the replay.
    running: u64,
    /// Left at a version short of head (nothing half done).
    between: u64,
    /// Already at head (the kill came after the run).
    at_head: u64,
}

/// After a crash: where it was left, then the recovery (`up` again) and the proof of head.
async fn recover<DB: Backend>(pool: &sqlx::Pool<DB>, tally: &mut Tally, what: &str) {
    let m = trial(DB::DIALECT);
    let status = m.status(pool).await.expect("status after the crash");
    tally.trials += 1;
    let half = status.entries.iter().find_map(|e| e.applied.as_ref().filter(|a| !a.success));
    match half {
        Some(a) => {
            let p = a
                .partial
                .as_ref()
                .unwrap_or_else(|| panic!("{what}: a half-done migration without its progress:\n{status}"));
            tally.half += 1;
            tally.running += u64::from(p.running.is_some());
        }
        None if status.is_up_to_date() => tally.at_head += 1,
        None => tally.between += 1,
    }
    m.run(pool).await.unwrap_or_else(|e| panic!("{what}: the recovery fails: {e}\n{status}"));
    let after = m.status(pool).await.expect("status");
    assert!(after.is_up_to_date(), "{what}: {after}");
    let differences = m.differences_at(pool, Some(9)).await.expect("compares");
    assert!(differences.is_empty(), "{what}: {differences:?}");
}

/// [`recover`], then the proof that every data statement ran exactly once.
macro_rules! recover {
    ($pool:expr, $tally:expr, $what:expr) => {{
        let what = $what;
        recover($pool, $tally, &what).await;
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM trial_log").fetch_one($pool).await.expect("counts");
        assert_eq!(n, 16, "{what}: every data statement ran exactly once");
    }};
}

/// `deployers` processes run `up` at once on one database, as many replicas of an application
/// starting together: each succeeds, and each migration is applied once.
fn deploy_at_once(dialect: &str, url: &str, deployers: usize) {
    let children: Vec<std::process::Child> = (0..deployers)
        .map(|_| {
            db::child("crash::child_up", dialect, url)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("a child process starts")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("the child ends");
        assert!(
            out.status.success(),
            "{dialect}: a deployer failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

fn deploy_trials() -> u64 {
    std::env::var("STRATA_DEPLOY_TRIALS").ok().and_then(|n| n.parse().ok()).unwrap_or(2)
}

/// 16 deployers at once, `STRATA_DEPLOY_TRIALS` times per database (CI: 2; the figures in
/// `docs/reliability.md`: 50).
#[tokio::test]
async fn sixteen_deployers_at_once_apply_each_migration_once() {
    let n = deploy_trials();
    let mut done = Vec::new();
    for t in 0..n {
        let url = db::sqlite_url("deploy");
        deploy_at_once("sqlite", &url, 16);
        let pool = sqlx::SqlitePool::connect(&url).await.expect("opens");
        let mut tally = Tally::default();
        recover!(&pool, &mut tally, format!("SQLite, trial {t}"));
        assert_eq!(tally.at_head, 1, "SQLite, trial {t}: at head without recovery");
    }
    done.push("SQLite");
    if db::url(db::POSTGRES_URL).is_some() {
        for t in 0..n {
            let pool = db::postgres_pool("deploy").await.expect("set");
            deploy_at_once("postgres", &db::server_url(db::POSTGRES_URL, "deploy").expect("set"), 16);
            let mut tally = Tally::default();
            recover!(&pool, &mut tally, format!("PostgreSQL, trial {t}"));
            assert_eq!(tally.at_head, 1, "PostgreSQL, trial {t}: at head without recovery");
            pool.close().await;
        }
        done.push("PostgreSQL");
    }
    if db::url(db::MYSQL_URL).is_some() {
        for t in 0..n {
            let pool = db::mysql_pool("deploy").await.expect("set");
            deploy_at_once("mysql", &db::server_url(db::MYSQL_URL, "deploy").expect("set"), 16);
            let mut tally = Tally::default();
            recover!(&pool, &mut tally, format!("MariaDB, trial {t}"));
            assert_eq!(tally.at_head, 1, "MariaDB, trial {t}: at head without recovery");
            pool.close().await;
        }
        done.push("MariaDB");
    }
    eprintln!(
        "16 deployers x {n} trials: every deployer succeeded, each migration applied once, on {}",
        done.join(", ")
    );
}

/// Runs `up` in a child process and kills it (`SIGKILL`) at a random moment of its run.
fn kill_9(dialect: &str, url: &str, at: Duration) {
    let mut child = db::child("crash::child_up", dialect, url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("a child process starts");
    std::thread::sleep(at);
    let _ = child.kill();
    let _ = child.wait();
}

/// How long a child's whole run takes, start-up included: the span the kills fall in.
fn span(dialect: &str, url: &str) -> Duration {
    let start = Instant::now();
    let status = db::child("crash::child_up", dialect, url)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("a child process runs");
    assert!(status.success(), "the child's run fails");
    start.elapsed()
}

#[tokio::test]
async fn kill_9_during_up_leaves_a_database_that_recovers() {
    let mut seeds = Seeds::start();
    let n = trials();

    let mut tally = Tally::default();
    let url = db::sqlite_url("crash_span");
    let most = span("sqlite", &url).mul_f64(1.2);
    for t in 0..n {
        let url = db::sqlite_url("crash");
        kill_9("sqlite", &url, seeds.within(most));
        let pool = sqlx::SqlitePool::connect(&url).await.expect("opens");
        recover!(&pool, &mut tally, format!("SQLite, trial {t}"));
        pool.close().await;
    }
    eprintln!("kill -9, SQLite: {tally:?}");

    if db::url(db::POSTGRES_URL).is_some() {
        let mut tally = Tally::default();
        let _ = db::postgres_pool("crash_span").await;
        let most =
            span("postgres", &db::server_url(db::POSTGRES_URL, "crash_span").expect("set")).mul_f64(1.2);
        for t in 0..n {
            let pool = db::postgres_pool("crash").await.expect("set");
            kill_9("postgres", &db::server_url(db::POSTGRES_URL, "crash").expect("set"), seeds.within(most));
            recover!(&pool, &mut tally, format!("PostgreSQL, trial {t}"));
            pool.close().await;
        }
        eprintln!("kill -9, PostgreSQL: {tally:?}");
    }

    if db::url(db::MYSQL_URL).is_some() {
        let mut tally = Tally::default();
        let _ = db::mysql_pool("crash_span").await;
        let most = span("mysql", &db::server_url(db::MYSQL_URL, "crash_span").expect("set")).mul_f64(1.2);
        for t in 0..n {
            let pool = db::mysql_pool("crash").await.expect("set");
            kill_9("mysql", &db::server_url(db::MYSQL_URL, "crash").expect("set"), seeds.within(most));
            recover!(&pool, &mut tally, format!("MariaDB, trial {t}"));
            pool.close().await;
        }
        eprintln!("kill -9, MariaDB: {tally:?}");
    }
}

/// `n` trials on one database: the migrator runs `up` on a connection of its own, and at a
/// random moment `$kill` (given the test's own pool as `$p`) has the server kill it.
macro_rules! killed_connections {
    ($seeds:expr, $n:expr, $url:expr, $pool:path, $Pool:ty, $dialect:expr, $name:literal, |$p:ident| $kill:expr) => {{
        let mut tally = Tally::default();
        let most = {
            let pool = $pool("crash_conn").await.expect("set");
            let start = Instant::now();
            trial($dialect).run(&pool).await.expect("runs");
            start.elapsed().mul_f64(1.2)
        };
        for t in 0..$n {
            let pool = $pool("crash_conn").await.expect("set");
            let victim = <$Pool>::connect(&$url).await.expect("connects");
            let run = tokio::spawn(async move { trial($dialect).run(&victim).await });
            tokio::time::sleep($seeds.within(most)).await;
            {
                let $p = &pool;
                $kill
            }
            let _ = run.await;
            recover!(&pool, &mut tally, format!("{}, trial {t}", $name));
            pool.close().await;
        }
        eprintln!("connection killed, {}: {tally:?}", $name);
    }};
}

/// The server kills the migrator's connection at a random moment of `up`.
#[tokio::test]
async fn a_connection_killed_by_the_server_leaves_a_database_that_recovers() {
    let mut seeds = Seeds::start();
    let n = trials();
    if let Some(url) = db::server_url(db::POSTGRES_URL, "crash_conn") {
        killed_connections!(
            seeds,
            n,
            url,
            db::postgres_pool,
            sqlx::PgPool,
            Dialect::Postgres,
            "PostgreSQL",
            |pool| {
                sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'strata_t_crash_conn' AND pid <> pg_backend_pid()")
                .execute(pool)
                .await
                .expect("kills");
            }
        );
    }
    if let Some(url) = db::server_url(db::MYSQL_URL, "crash_conn") {
        killed_connections!(
            seeds,
            n,
            url,
            db::mysql_pool,
            sqlx::MySqlPool,
            Dialect::Mysql,
            "MariaDB",
            |pool| {
                let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM information_schema.processlist WHERE db = 'strata_t_crash_conn' AND id <> CONNECTION_ID()",
            )
            .fetch_all(pool)
            .await
            .expect("lists");
                for id in ids {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("KILL CONNECTION {id}")))
                        .execute(pool)
                        .await;
                }
            }
        );
    }
}
