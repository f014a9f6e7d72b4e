//! Fan-out: one migrator over many targets, each under its own lock and history. 200 SQLite
//! files, 100 schemas of one PostgreSQL database, 20 PostgreSQL databases and 20 MariaDB
//! databases, each fleet with targets behind, at head, ahead (a newer release applied more),
//! half applied (a migration that stopped partway), unreachable, and locked by another
//! deployer; a run again picks up what is left.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection};
use strata::Migrator;
use strata::fleet::{Done, Event, Fleet, Member, Outcome, Work};
use strata::migrate::{Backend, MigrateError, Policy, Target};

use crate::db;
use crate::migrate::migrator;

/// The release: two tables (the second migration runs statement by statement, so that one can
/// stop partway), then a row.
fn release() -> Migrator {
    migrator(MIGRATIONS)
}

/// A newer release, with one more migration.
fn newer() -> Migrator {
    let mut all = MIGRATIONS.to_vec();
    all.push((4, "extra", "CREATE TABLE extra (id INT PRIMARY KEY);", Some("DROP TABLE extra;")));
    migrator(&all)
}

const MIGRATIONS: &[(i64, &str, &str, Option<&str>)] = &[
    (
        1,
        "accounts",
        "CREATE TABLE accounts (id INT PRIMARY KEY, name VARCHAR(50));",
        Some("DROP TABLE accounts;"),
    ),
    (
        2,
        "notes",
        "-- no-transaction\nCREATE TABLE notes (id INT PRIMARY KEY);\nCREATE TABLE tags (id INT PRIMARY KEY);\n",
        Some("DROP TABLE tags;\nDROP TABLE notes;\n"),
    ),
    (
        3,
        "first account",
        "INSERT INTO accounts (id, name) VALUES (1, 'first');",
        Some("DELETE FROM accounts WHERE id = 1;"),
    ),
];

/// What each target was before the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Before {
    Fresh,
    /// Migration 1 applied.
    Behind,
    AtHead,
    /// The newer release applied migration 4.
    Ahead,
    /// Migration 2 stopped after its first statement (its second met a table made by hand,
    /// dropped since).
    Half,
    Unreachable,
    /// Another migrator holds its lock.
    Locked,
}

/// The state of target `i` of `n`: a few of each kind among fresh ones.
fn before(i: usize) -> Before {
    match i % 10 {
        _ if i == 3 => Before::Unreachable,
        _ if i == 5 => Before::Locked,
        _ if i == 7 => Before::Ahead,
        _ if i == 9 => Before::Half,
        1 | 4 => Before::Behind,
        2 => Before::AtHead,
        _ => Before::Fresh,
    }
}

/// Puts target `pool` in state `b` (not Unreachable or Locked, which the caller makes).
async fn prepare<DB: Backend>(pool: &sqlx::Pool<DB>, b: Before) {
    match b {
        Before::Behind => {
            release().run_to(pool, 1).await.expect("applies 1");
        }
        Before::AtHead => {
            release().run(pool).await.expect("applies all");
        }
        Before::Ahead => {
            newer().run(pool).await.expect("the newer release applies");
        }
        Before::Half => {
            release().run_to(pool, 1).await.expect("applies 1");
            let mut conn = pool.acquire().await.expect("connects");
            DB::execute(&mut conn, "CREATE TABLE tags (id INT PRIMARY KEY)").await.expect("made by hand");
            let e = release().run(pool).await.expect_err("stops at the table made by hand");
            assert!(matches!(e, MigrateError::Stopped { committed: 1, .. }), "{e}");
            DB::execute(&mut conn, "DROP TABLE tags").await.expect("dropped by hand");
        }
        Before::Fresh | Before::Unreachable | Before::Locked => {}
    }
}

/// What the first run must have done on a target that was `b`.
fn check_first(d: &Done, b: Before) {
    let name = d.member.name();
    match (b, &d.outcome) {
        (Before::Fresh, Outcome::Applied { applied, at }) => {
            assert_eq!((applied.len(), *at), (3, Some(3)), "{name}")
        }
        (Before::Behind, Outcome::Applied { applied, at }) => {
            assert_eq!((applied.len(), *at), (2, Some(3)), "{name}")
        }
        (Before::AtHead, Outcome::Applied { applied, at }) => {
            assert_eq!((applied.len(), *at), (0, Some(3)), "{name}")
        }
        // Carried on from its second statement, then the last migration.
        (Before::Half, Outcome::Applied { applied, at }) => {
            assert_eq!((applied.len(), *at), (2, Some(3)), "{name}")
        }
        (Before::Ahead, Outcome::Failed(e)) => {
            assert!(e.to_string().contains("the database has migration 4 (extra) applied"), "{name}: {e}")
        }
        // A server that is not there, a database that does not exist, a file that is not one.
        (Before::Unreachable, Outcome::Failed(e)) => {
            let e = e.to_string();
            assert!(
                e.starts_with("cannot reach it: ") || e.ends_with("file is not a database"),
                "{name}: {e}"
            )
        }
        // SQLite's lock is the file's, waited for with the connection's busy timeout.
        (Before::Locked, Outcome::Failed(e)) => assert!(
            e.to_string().contains("another migrator (another deploy?) held the migration lock")
                || e.to_string().contains("database is locked"),
            "{name}: {e}"
        ),
        (b, o) => panic!("{name} was {b:?}: {o:?}"),
    }
}

/// The fleet's runs over `members` (their states `states`), with a lock held on the Locked
/// one by `hold` until `release` lets go of it.
async fn runs(members: Vec<Member>, states: &[Before], jobs: usize, release_lock: impl AsyncFnOnce()) {
    let fleet = Fleet::new(members.clone()).jobs(jobs).lock_wait(Some(Duration::from_secs(1)));
    // Start-up checks first: a target behind is refused under Refuse, and nothing changes.
    let started = fleet.startup(&release(), Policy::Refuse).await;
    for (d, b) in started.iter().zip(states) {
        let refused = matches!(b, Before::Fresh | Before::Behind);
        if refused {
            assert!(d.outcome.failed() && d.outcome_text().contains("pending"), "{:?}", d.outcome);
        }
        if *b == Before::AtHead {
            assert!(matches!(d.outcome, Outcome::Started(_)), "{:?}", d.outcome);
        }
    }
    // Up, watched: every target starts and ends once.
    let mut seen: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut most_running = 0;
    let mut running = 0usize;
    let results = fleet
        .run(&release(), Work::Up(Target::Version(None)), &mut |e| match e {
            Event::Started { member } => {
                running += 1;
                most_running = most_running.max(running);
                seen.entry(member.name()).or_default().0 += 1;
            }
            Event::Finished { done, .. } => {
                running -= 1;
                seen.entry(done.member.name()).or_default().1 += 1;
            }
        })
        .await;
    assert_eq!(results.len(), members.len());
    assert!(seen.values().all(|c| *c == (1, 1)), "{seen:?}");
    assert!(most_running <= jobs && most_running > 1, "at most {jobs} at once, several: {most_running}");
    for (d, b) in results.iter().zip(states) {
        check_first(d, *b);
    }
    // The lock let go, a run again migrates what is left: the locked one; the rest are at head,
    // the ahead and unreachable ones fail again.
    release_lock().await;
    let again = fleet.up(&release()).await;
    for (d, b) in again.iter().zip(states) {
        match b {
            Before::Locked => {
                assert!(matches!(&d.outcome, Outcome::Applied { applied, .. } if applied.len() == 3), "{d:?}")
            }
            Before::Ahead | Before::Unreachable => assert!(d.outcome.failed(), "{d:?}"),
            _ => assert!(
                matches!(&d.outcome, Outcome::Applied { applied, at: Some(3) } if applied.is_empty()),
                "{d:?}"
            ),
        }
    }
    // Status across them: at head but for the two that fail.
    let status = fleet.status(&release()).await;
    for (d, b) in status.iter().zip(states) {
        match (b, &d.outcome) {
            (Before::Unreachable, o) => assert!(o.failed()),
            (Before::Ahead, Outcome::Status(s)) => assert_eq!(s.unknown.len(), 1),
            (_, Outcome::Status(s)) => assert!(s.is_up_to_date(), "{}", d.member.name()),
            (_, o) => panic!("{o:?}"),
        }
    }
}

trait Text {
    fn outcome_text(&self) -> String;
}

impl Text for Done {
    fn outcome_text(&self) -> String {
        match &self.outcome {
            Outcome::Failed(e) => e.to_string(),
            o => format!("{o:?}"),
        }
    }
}

/// How many targets: the counts, or `STRATA_FLEET_SCALE` times fewer for a quick run.
fn count(full: usize) -> usize {
    let scale: usize = std::env::var("STRATA_FLEET_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    (full / scale.max(1)).max(12)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files() {
    let n = count(200);
    let dir = std::env::temp_dir().join(format!("strata-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a directory");
    // A SQLite migration outside a transaction keeps no record of its statements: one that
    // stops partway is not carried on (docs/fleet.md), so no target here is half applied.
    let states: Vec<Before> =
        (0..n).map(before).map(|b| if b == Before::Half { Before::Behind } else { b }).collect();
    let mut members = Vec::new();
    let mut holder = None;
    for (i, b) in states.iter().enumerate() {
        let path = dir.join(format!("tenant_{i:03}.db"));
        let url = format!("sqlite://{}", path.display());
        match b {
            // A file that is not a database.
            Before::Unreachable => {
                std::fs::write(&path, "not a database, but a file of the same name\n".repeat(20))
                    .expect("writes")
            }
            // SQLite's lock is the file's: a writer holding it all along (another deployer's
            // migration, as the file sees it).
            Before::Locked => {
                let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc")).await.expect("opens");
                let mut conn = pool.acquire().await.expect("connects").detach();
                sqlx::raw_sql("CREATE TABLE held (x INT); BEGIN EXCLUSIVE; INSERT INTO held VALUES (1)")
                    .execute(&mut conn)
                    .await
                    .expect("holds the file");
                holder = Some(conn);
            }
            b => {
                let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc")).await.expect("opens");
                prepare(&pool, *b).await;
                pool.close().await;
            }
        }
        members.push(Member::url(url));
    }
    let mut holder = holder.expect("held");
    runs(members, &states, 8, async move || {
        sqlx::raw_sql("COMMIT").execute(&mut holder).await.expect("lets go");
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Holds the migration lock of a PostgreSQL target (a schema when `schema`), as another
/// deployer's run would.
async fn hold_postgres(url: &str, schema: Option<&str>) -> sqlx::PgConnection {
    let mut options: sqlx::postgres::PgConnectOptions = url.parse().expect("a URL");
    if let Some(s) = schema {
        options = options.options([("strata.schema", s)]);
    }
    let mut conn = sqlx::PgConnection::connect_with(&options).await.expect("connects");
    assert!(sqlx::Postgres::lock(&mut conn, None).await.expect("locks"));
    conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schemas() {
    let Some(pool) = db::postgres_pool("fleet_schemas").await else { return };
    let url = db::server_url(db::POSTGRES_URL, "fleet_schemas").expect("a URL");
    let n = count(100);
    let states: Vec<Before> = (0..n).map(before).collect();
    let mut locked = None;
    for (i, b) in states.iter().enumerate() {
        let schema = format!("tenant_{i:03}");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&pool)
            .await
            .expect("a schema");
        match b {
            Before::Locked => locked = Some(hold_postgres(&url, Some(&schema)).await),
            Before::Unreachable => {}
            b => {
                let options: sqlx::postgres::PgConnectOptions = url.parse().expect("a URL");
                let options =
                    options.options([("search_path", schema.as_str()), ("strata.schema", schema.as_str())]);
                let p = sqlx::PgPool::connect_with(options).await.expect("connects");
                prepare(&p, *b).await;
                p.close().await;
            }
        }
    }
    // The schemas as the fleet lists them; the unreachable one is on a server that is not there.
    let mut members = Fleet::schemas(&url, "tenant\\_%").await.expect("lists the schemas");
    assert_eq!(members.len(), n);
    let unreachable = states.iter().position(|b| *b == Before::Unreachable).expect("one");
    members[unreachable] = Member::schema("postgres://postgres@127.0.0.1:1/nothing", "tenant_003");
    let mut locked = locked.expect("held");
    runs(members, &states, 6, async move || {
        sqlx::Postgres::unlock(&mut locked).await.expect("unlocks");
    })
    .await;
    // Each schema has its own tables and history; the database's own schema has neither.
    let per_schema: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations' AND table_schema LIKE 'tenant%'",
    )
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!(per_schema, i64::try_from(n - 1).expect("small"));
    let public: i64 =
        sqlx::query_scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            .fetch_one(&pool)
            .await
            .expect("counts");
    assert_eq!(public, 0);
}

/// `n` fresh databases on a server, as URLs and pools.
async fn databases<DB: Backend>(
    var: &str,
    prefix: &str,
    n: usize,
    fresh: impl AsyncFn(&str) -> Option<sqlx::Pool<DB>>,
) -> Option<Vec<(String, sqlx::Pool<DB>)>> {
    let mut out = Vec::new();
    for i in 0..n {
        let name = format!("{prefix}_{i:02}");
        let pool = fresh(&name).await?;
        out.push((db::server_url(var, &name)?, pool));
    }
    Some(out)
}

/// The fleet of databases on the server `var` names, one of them a URL that reaches none
/// (`unreachable`), one locked by another migrator's connection all along the first run.
async fn server_databases<DB: Backend>(
    var: &str,
    prefix: &str,
    unreachable: &str,
    fresh: impl AsyncFn(&str) -> Option<sqlx::Pool<DB>>,
) {
    let n = count(20);
    let Some(dbs) = databases(var, prefix, n, fresh).await else { return };
    let states: Vec<Before> = (0..n).map(before).collect();
    let mut members = Vec::new();
    let mut locked = None;
    for ((url, pool), b) in dbs.iter().zip(&states) {
        match b {
            Before::Locked => {
                let mut conn = DB::Connection::connect(url).await.expect("connects");
                assert!(DB::lock(&mut conn, None).await.expect("locks"));
                locked = Some(conn);
            }
            Before::Unreachable => {}
            b => prepare(pool, *b).await,
        }
        members.push(Member::url(if *b == Before::Unreachable {
            unreachable.to_owned()
        } else {
            url.clone()
        }));
        pool.close().await;
    }
    let mut locked = locked.expect("held");
    runs(members, &states, 4, async move || {
        DB::unlock(&mut locked).await.expect("unlocks");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_databases() {
    let unreachable = "postgres://postgres@127.0.0.1:5432/strata_t_no_such_database";
    server_databases(db::POSTGRES_URL, "fleet_pg", unreachable, async |name| db::postgres_pool(name).await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_databases() {
    let unreachable = "mysql://root@127.0.0.1:1/nothing";
    server_databases(db::MYSQL_URL, "fleet_my", unreachable, async |name| db::mysql_pool(name).await).await;
}

/// Stopping at the first failure: with one job, the targets after the failing one are not
/// run; a run again (carrying on) migrates them.
#[tokio::test]
async fn stop_at_the_first_failure_then_carry_on() {
    let dir = std::env::temp_dir().join(format!("strata-fleet-stop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a directory");
    let members: Vec<Member> = (0..6)
        .map(|i| {
            let path = dir.join(format!("t{i}.db"));
            if i == 2 {
                std::fs::write(&path, "not a database\n".repeat(50)).expect("writes");
            }
            Member::url(format!("sqlite://{}", path.display()))
        })
        .collect();
    let stopping = Fleet::new(members.clone()).jobs(1).keep_going(false);
    let first = stopping.up(&release()).await;
    let kinds: Vec<&str> = first
        .iter()
        .map(|d| match d.outcome {
            Outcome::Applied { .. } => "applied",
            Outcome::Failed(_) => "failed",
            Outcome::NotRun => "not run",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["applied", "applied", "failed", "not run", "not run", "not run"]);
    let again = Fleet::new(members).jobs(2).up(&release()).await;
    let applied: Vec<usize> = again
        .iter()
        .map(|d| match &d.outcome {
            Outcome::Applied { applied, .. } => applied.len(),
            _ => usize::MAX,
        })
        .collect();
    assert_eq!(applied, [0, 0, usize::MAX, 3, 3, 3]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A release rolled back across a fleet: the newer release applied migration 4 everywhere;
/// the older binary, which does not have it, reverts it on every target with the down SQL the
/// newer one stored, and each target is then at the older release's head.
#[tokio::test]
async fn an_older_release_rolls_the_fleet_back() {
    let dir = std::env::temp_dir().join(format!("strata-fleet-back-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a directory");
    let members: Vec<Member> = (0..12)
        .map(|i| Member::url(format!("sqlite://{}", dir.join(format!("t{i}.db")).display())))
        .collect();
    let fleet = Fleet::new(members).jobs(4);
    assert!(fleet.up(&newer()).await.iter().all(|d| !d.outcome.failed()));
    // The older binary refuses to apply over what it does not have...
    assert!(fleet.up(&release()).await.iter().all(|d| d.outcome.failed()));
    // ... and reverts it, saying it used the stored SQL.
    for d in fleet.down_to(&release(), Some(3)).await {
        match &d.outcome {
            Outcome::Reverted { reverted, stored, at } => {
                assert_eq!(reverted.iter().map(|s| s.version).collect::<Vec<_>>(), [4]);
                assert_eq!(stored, &["4_extra".to_owned()]);
                assert_eq!(*at, Some(3));
            }
            o => panic!("{}: {o:?}", d.member.name()),
        }
    }
    for d in fleet.status(&release()).await {
        assert!(matches!(&d.outcome, Outcome::Status(s) if s.is_up_to_date()), "{d:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
