//! Lock-safe DDL: a migration that changes a busy table waits at most its lock timeout for the
//! lock, so the traffic queued behind it goes on; it is tried again, the whole of it, a bounded
//! number of times, each wait reported; and when every try gives up, the error says who held the
//! lock. On PostgreSQL and MariaDB, with a session holding a long transaction on the table.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection, Executor, Pool};
use strata::Migrator;
use strata::migrate::{Backend, MigrateError, Progress, Target};
use strata::schema::{Dialect, Timeouts};

use crate::db;
use crate::migrate::migrator;

/// The waits a run reported: (try, of how many, lock timeout, holders).
type Waits = Arc<Mutex<Vec<(u32, u32, Duration, Vec<String>)>>>;

/// Runs `m` up to head on `pool`, recording its waits.
async fn up<DB: Backend>(m: Migrator, pool: Pool<DB>, waits: Waits) -> Result<usize, MigrateError> {
    let mut seen = |p: Progress<'_>| {
        if let Progress::Waiting { attempt, attempts, lock_timeout, holders, .. } = p {
            waits.lock().expect("not poisoned").push((attempt, attempts, lock_timeout, holders.to_vec()));
        }
    };
    // A run that waited for the lock unbounded would hang the test: it fails instead.
    tokio::time::timeout(Duration::from_secs(60), m.run_with(&pool, Target::Version(None), &mut seen))
        .await
        .expect("the run never waits unbounded")
        .map(|r| r.applied.len())
}

fn short(lock_ms: u64, retries: u32) -> Timeouts {
    Timeouts { lock: Duration::from_millis(lock_ms), statement: Some(Duration::from_secs(60)), retries }
}

/// Reads the table from another session the whole time the migrator runs, each read with a
/// statement timeout of its own far above the migration's lock timeout: each read must finish,
/// though a session holds the table all along; the longest one is returned.
async fn traffic<DB: Backend>(
    pool: Pool<DB>,
    reads: &'static str,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Duration
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut conn = pool.acquire().await.expect("a reader connects");
    let mut longest = Duration::ZERO;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        let start = Instant::now();
        sqlx::raw_sql(AssertSqlSafe(reads)).execute(&mut *conn).await.expect("the reader is never refused");
        longest = longest.max(start.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    longest
}

struct Case {
    dialect: Dialect,
    /// Opens a transaction that holds the table `notes` (read in it).
    hold: &'static str,
    /// A read of `notes` by other traffic, which fails rather than wait 20 s.
    read: &'static str,
}

const POSTGRES: Case = Case {
    dialect: Dialect::Postgres,
    hold: "BEGIN; SELECT count(*) FROM notes",
    read: "SET statement_timeout = '20s'; SELECT count(*) FROM notes",
};

const MARIADB: Case = Case {
    dialect: Dialect::Mysql,
    hold: "BEGIN; SELECT count(*) FROM notes",
    read: "SET SESSION lock_wait_timeout = 20; SELECT count(*) FROM notes",
};

/// The table, with rows, and a migration that changes it (its file asking a lock timeout of
/// 300 ms and two retries, where the migrator's own are 10 s and five).
async fn prepare<DB: Backend>(pool: &Pool<DB>) -> Migrator
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut conn = pool.acquire().await.expect("the database answers");
    sqlx::raw_sql(
        "CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(50)); INSERT INTO notes VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    )
    .execute(&mut *conn)
    .await
    .expect("the database answers");
    extra()
}

/// The migration (as each binary carries it): a table of its own, then a column on `notes`.
fn extra() -> Migrator {
    migrator(&[(
        1,
        "extra",
        "-- strata:lock_timeout 300ms\n-- strata:lock_retries 2\nCREATE TABLE side (id INT);\nALTER TABLE notes ADD COLUMN extra INT;\n",
        Some("ALTER TABLE notes DROP COLUMN extra;\nDROP TABLE side;\n"),
    )])
    .with_timeouts(short(10_000, 5))
}

async fn has_extra<DB: Backend>(pool: &Pool<DB>) -> bool {
    let mut conn = pool.acquire().await.expect("the database answers");
    let schema = DB::introspect(&mut conn).await.expect("the database answers");
    schema.tables.values().any(|t| t.name == "notes" && t.columns.iter().any(|c| c.name == "extra"))
}

/// A session holds `notes` for the whole run: every try gives up after 300 ms, the reads of
/// the other traffic each finish within about that, and the error names the session.
async fn gives_up<DB: Backend>(pool: Pool<DB>, case: &Case)
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let m = prepare(&pool).await;
    let mut holder = pool.acquire().await.expect("the database answers");
    sqlx::raw_sql(AssertSqlSafe(case.hold)).execute(&mut *holder).await.expect("the database answers");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = tokio::spawn(traffic(pool.clone(), case.read, stop.clone()));
    let waits = Waits::default();
    let ran = up(m, pool.clone(), waits.clone()).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let longest = reader.await.expect("the database answers");
    let e = ran.expect_err("the table is held all along");
    let said = e.to_string();
    assert!(matches!(e, MigrateError::LockTimeout { tries: 3, .. }), "{said}");
    // MariaDB counts its lock wait in whole seconds.
    let waited = if case.dialect == Dialect::Mysql { "1 s" } else { "300 ms" };
    assert!(said.contains(&format!("it gave up waiting {waited} for a lock on each of 3 tries")), "{said}");
    assert!(said.contains("in a transaction for"), "the holder is named: {said}");
    // Nothing in the statement to fix: it is run again as it is.
    assert!(!said.contains("fix statement"), "{said}");
    let waits = waits.lock().expect("not poisoned").clone();
    assert_eq!(waits.iter().map(|w| (w.0, w.1)).collect::<Vec<_>>(), [(2, 3), (3, 3)], "{waits:?}");
    let waited =
        if case.dialect == Dialect::Mysql { Duration::from_secs(1) } else { Duration::from_millis(300) };
    assert!(waits.iter().all(|w| w.2 == waited && !w.3.is_empty()), "{waits:?}");
    // The reads went on: none waited for the holder (which never let go), each at most about
    // the migration's lock timeout; the bound is loose for a loaded machine.
    assert!(longest < Duration::from_secs(5), "a read waited {longest:?}");
    sqlx::raw_sql("ROLLBACK").execute(&mut *holder).await.expect("the database answers");
    assert!(!has_extra(&pool).await, "nothing of the migration is in");
    // Where the statement before commits on its own (MariaDB), it is in and recorded, and the
    // next run carries on after it; on PostgreSQL nothing of the migration is.
    let expected: &[(i64, bool)] = if case.dialect == Dialect::Mysql { &[(1, false)] } else { &[] };
    assert_eq!(history(&pool).await, expected);
    assert_eq!(up(extra(), pool.clone(), Waits::default()).await.expect("free now"), 1);
    assert!(has_extra(&pool).await);
}

/// The history as read back: (version, success).
async fn history<DB: Backend>(pool: &Pool<DB>) -> Vec<(i64, bool)> {
    let s = extra().status(pool).await.expect("the database answers");
    s.entries.iter().filter_map(|e| Some((e.migration.version, e.applied.as_ref()?.success))).collect()
}

/// The holder lets go during the waits: a later try applies the migration.
async fn waits_then_applies<DB: Backend>(pool: Pool<DB>, case: &Case)
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let m = prepare(&pool).await;
    let mut holder = pool.acquire().await.expect("the database answers").detach();
    sqlx::raw_sql(AssertSqlSafe(case.hold)).execute(&mut holder).await.expect("the database answers");
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.expect("the database answers");
        holder.close().await.expect("the database answers");
    });
    let waits = Waits::default();
    let applied = up(m, pool.clone(), waits.clone()).await.expect("a later try gets the lock");
    release.await.expect("the database answers");
    assert_eq!(applied, 1);
    assert!(!waits.lock().expect("not poisoned").is_empty(), "it waited at least once");
    assert!(has_extra(&pool).await);
    // Reverting takes the same care, and goes through once nothing holds the table.
    extra().undo(&pool, 1).await.expect("reverts");
    assert!(!has_extra(&pool).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_gives_up_waiting_and_names_the_holder() {
    let Some(pool) = db::postgres_pool("lock_gives_up").await else { return };
    gives_up(pool, &POSTGRES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_tries_again_until_the_lock_is_free() {
    let Some(pool) = db::postgres_pool("lock_tries_again").await else { return };
    waits_then_applies(pool, &POSTGRES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_gives_up_waiting_and_names_the_holder() {
    let Some(pool) = db::mysql_pool("lock_gives_up").await else { return };
    gives_up(pool, &MARIADB).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_tries_again_until_the_lock_is_free() {
    let Some(pool) = db::mysql_pool("lock_tries_again").await else { return };
    waits_then_applies(pool, &MARIADB).await;
}

/// A statement that runs longer than its statement timeout is cancelled, and not tried again.
#[tokio::test]
async fn postgres_statement_timeout_cancels_a_long_statement() {
    let Some(pool) = db::postgres_pool("statement_timeout").await else { return };
    let m = migrator(&[(1, "slow", "-- strata:statement_timeout 200ms\nSELECT pg_sleep(3);\n", None)]);
    let start = Instant::now();
    let e = m.run(&pool).await.expect_err("cancelled");
    assert!(start.elapsed() < Duration::from_secs(3), "it ran {:?}", start.elapsed());
    assert!(matches!(e, MigrateError::Failed { .. }), "{e}");
    assert!(e.to_string().contains("statement timeout"), "{e}");
}

/// `CREATE INDEX CONCURRENTLY` waits for the transactions before it however long they last (it
/// holds up no traffic, and a cancelled one leaves an invalid index): the lock timeout does not
/// cancel it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_index_is_not_cancelled_by_the_lock_timeout() {
    let Some(pool) = db::postgres_pool("lock_concurrently").await else { return };
    let mut conn = pool.acquire().await.expect("the database answers");
    conn.execute("CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'a')")
        .await
        .expect("the database answers");
    let mut holder = pool.acquire().await.expect("the database answers").detach();
    // A write in flight: the index waits for its transaction to end (an idle reader's would
    // not hold it up).
    holder.execute("BEGIN; INSERT INTO notes VALUES (2, 'b')").await.expect("the database answers");
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        holder.execute("COMMIT").await.expect("the database answers");
    });
    let m = migrator(&[(
        1,
        "index",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY notes_body ON notes (body);\n",
        Some("DROP INDEX notes_body"),
    )])
    .with_timeouts(short(200, 0));
    m.run(&pool).await.expect("the index waits for the transaction, then builds");
    release.await.expect("the database answers");
    let valid: bool =
        sqlx::query_scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'notes_body'::regclass")
            .fetch_one(&mut *conn)
            .await
            .expect("the database answers");
    assert!(valid);
}

static EMBEDDED: Migrator = strata::embed_migrations!("../migrate/multi_postgres");
static PLAIN: Migrator = strata::embed_migrations!("../migrate/multi_sqlite");

/// `[timeouts]` of `strata.toml` reach the embedded migrator; a directory without them has the
/// defaults (5 s, 1 h, 3 retries).
#[test]
fn strata_toml_sets_the_timeouts_of_embedded_migrations() {
    assert_eq!(
        EMBEDDED.timeouts(),
        Timeouts { lock: Duration::from_secs(2), statement: Some(Duration::from_secs(600)), retries: 1 }
    );
    assert_eq!(
        PLAIN.timeouts(),
        Timeouts { lock: Duration::from_secs(5), statement: Some(Duration::from_secs(3600)), retries: 3 }
    );
}

/// What a migration runs with is what the database has while it runs: the settings, or its
/// file's own lines; in a transaction or out of one.
#[tokio::test]
async fn postgres_runs_each_migration_with_its_timeouts() {
    let Some(pool) = db::postgres_pool("lock_settings").await else { return };
    let m = migrator(&[
        (1, "seen", "CREATE TABLE seen AS SELECT 1 AS v, current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement;", None),
        (2, "own", "-- strata:lock_timeout 750ms\n-- strata:statement_timeout 0\nINSERT INTO seen SELECT 2, current_setting('lock_timeout'), current_setting('statement_timeout');", None),
        (3, "alone", "-- no-transaction\nINSERT INTO seen SELECT 3, current_setting('lock_timeout'), current_setting('statement_timeout');", None),
    ])
    .with_timeouts(EMBEDDED.timeouts());
    m.run(&pool).await.expect("the database answers");
    let rows: Vec<(i32, String, String)> = sqlx::query_as("SELECT v, lock, statement FROM seen ORDER BY v")
        .fetch_all(&pool)
        .await
        .expect("the database answers");
    let rows: Vec<(i32, &str, &str)> = rows.iter().map(|(v, l, s)| (*v, l.as_str(), s.as_str())).collect();
    assert_eq!(rows, [(1, "2s", "10min"), (2, "750ms", "0"), (3, "2s", "10min")]);
}

#[tokio::test]
async fn mariadb_runs_each_migration_with_its_lock_wait_timeout() {
    let Some(pool) = db::mysql_pool("lock_settings").await else { return };
    let m = migrator(&[
        (1, "seen", "CREATE TABLE seen AS SELECT 1 AS v, @@SESSION.lock_wait_timeout AS lock_wait;", None),
        (
            2,
            "own",
            "-- strata:lock_timeout 1500ms\nINSERT INTO seen SELECT 2, @@SESSION.lock_wait_timeout;",
            None,
        ),
    ])
    .with_timeouts(EMBEDDED.timeouts());
    m.run(&pool).await.expect("the database answers");
    let rows: Vec<(i32, i64)> =
        sqlx::query_as("SELECT CAST(v AS SIGNED), CAST(lock_wait AS SIGNED) FROM seen ORDER BY v")
            .fetch_all(&pool)
            .await
            .expect("the database answers");
    // Whole seconds, rounded up.
    assert_eq!(rows, [(1, 2), (2, 2)]);
}
