//! Fan-out: one binary's migrations applied to many databases in one run, as a product that
//! gives each tenant its own database (or its own PostgreSQL schema) or shards migrates them on
//! every deploy.
//!
//! The targets are a list of database URLs ([`Fleet::from_file`], [`Fleet::from_query`] on a
//! control database) or the schemas of one PostgreSQL database ([`Fleet::schemas`]). Each is
//! migrated as `strata up` migrates one: on a connection of its own, under its own migration
//! lock, with its own history, so a target another deployer holds, one that is unreachable, or
//! one that refuses (ahead of the binary, a migration changed since it was applied) fails on
//! its own and the others go on, unless the run stops at the first failure
//! ([`Fleet::keep_going`]). A run again picks up what is left: each target applies only what it
//! lacks.
//!
//! ```no_run
//! # async fn f() {
//! static MIGRATOR: strata::Migrator = strata::Migrator::new(&[]); // strata::embed_migrations!()
//! let targets = strata::fleet::Fleet::from_file("tenants.txt".as_ref()).expect("the list reads");
//! let fleet = strata::fleet::Fleet::new(targets).jobs(8);
//! let results = fleet.up(&MIGRATOR).await;
//! assert!(results.iter().all(|r| !r.outcome.failed()));
//! # }
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use strata_schema::Dialect;

use crate::Migrator;
use crate::migrate::{Backend, MigrateError, Policy, Startup, Status, Step, Target};
use crate::redact::redact;

/// One database (or one schema of one) a fan-out migrates.
#[derive(Clone, PartialEq, Eq)]
pub struct Member {
    url: String,
    schema: Option<String>,
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Member {
    /// The database at `url`.
    pub fn url(url: impl Into<String>) -> Member {
        Member { url: url.into(), schema: None }
    }

    /// The schema `schema` of the PostgreSQL database at `url`: its tables, its history and its
    /// migration lock are its own (the connection's `search_path` is the schema).
    pub fn schema(url: impl Into<String>, schema: impl Into<String>) -> Member {
        Member { url: url.into(), schema: Some(schema.into()) }
    }

    /// How it is shown: the URL without its password, and `#schema` for a schema.
    pub fn name(&self) -> String {
        match &self.schema {
            Some(s) => format!("{}#{s}", redact(&self.url)),
            None => redact(&self.url),
        }
    }

    /// The schema, for a schema of a PostgreSQL database.
    pub fn schema_name(&self) -> Option<&str> {
        self.schema.as_deref()
    }
}

/// What a fan-out does on each target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Apply pending migrations, as `strata up` (to head, a version, or the next N).
    Up(Target),
    /// Revert migrations, as `strata down` (the newest N, or every one after a version): a
    /// release rolled back reverts what the newer one applied, with the down SQL it stored.
    Down(Target),
    /// Read where it stands, as `strata status`; changes nothing.
    Status,
    /// What an application checks when it starts ([`Migrator::startup`]), under a policy.
    Startup(Policy),
}

/// What happened on one target.
#[derive(Debug)]
pub enum Outcome {
    /// `Work::Up`: the migrations applied (none when it was at head already), and the version
    /// it is at now.
    Applied { applied: Vec<Step>, at: Option<i64> },
    /// `Work::Down`: the migrations reverted (none when there was nothing to revert), the names
    /// of those reverted with the down SQL stored in the database, and the version it is at.
    Reverted { reverted: Vec<Step>, stored: Vec<String>, at: Option<i64> },
    /// `Work::Status`: where it stands.
    Status(Status),
    /// `Work::Startup`: what the check found and did.
    Started(Startup),
    /// It failed: it could not be reached, another migrator held its lock, or the migrator
    /// refused or stopped (the error says where the database is left).
    Failed(Failure),
    /// Not started: the run stopped at a failure elsewhere first.
    NotRun,
}

impl Outcome {
    pub fn failed(&self) -> bool {
        matches!(self, Outcome::Failed(_))
    }
}

/// Why a target failed. (Its `Debug` is its message, without passwords, as a target's is.)
pub enum Failure {
    /// It could not be reached (or its URL read), with the cause; nothing was run.
    Connect(String),
    /// The migrator's error.
    Migrate(MigrateError),
}

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Failure({self})")
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connect(cause) => write!(f, "cannot reach it: {}", redact(cause)),
            Failure::Migrate(e) => f.write_str(&redact(&e.to_string())),
        }
    }
}

/// One target's result.
#[derive(Debug)]
pub struct Done {
    pub member: Member,
    pub outcome: Outcome,
    /// From connecting to the end.
    pub took: Duration,
}

/// What a run is doing, for a progress display: each target as it starts and ends.
#[derive(Debug)]
pub enum Event<'a> {
    Started { member: &'a Member },
    Finished { done: &'a Done, finished: usize, total: usize },
}

/// Why the targets could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("cannot read `{}`: {message}", path.display())]
    Read { path: std::path::PathBuf, message: String },
    #[error("{}:{line}: `{text}` is not a database URL (`sqlite://`, `postgres://` or `mysql://`)", path.display())]
    NotAUrl { path: std::path::PathBuf, line: usize, text: String },
    #[error("cannot reach the control database at `{}`: {}", redact(url), redact(cause))]
    Control { url: String, cause: String },
    #[error("the query on the control database failed: {}", redact(.0))]
    Query(String),
    #[error("row {row} of the query is not a database URL: `{}`", redact(text))]
    RowNotAUrl { row: usize, text: String },
    #[error("schemas are a PostgreSQL database's; `{}` is not one", redact(.0))]
    NotPostgres(String),
}

/// Many targets, and how to run over them.
#[derive(Debug, Clone)]
pub struct Fleet {
    members: Vec<Member>,
    jobs: usize,
    keep_going: bool,
    connect_timeout: Duration,
    lock_wait: Option<Duration>,
}

/// The dialect of a database URL, by its scheme.
pub(crate) fn dialect_of(url: &str) -> Option<Dialect> {
    match url.split(':').next().unwrap_or("") {
        "sqlite" => Some(Dialect::Sqlite),
        "postgres" | "postgresql" => Some(Dialect::Postgres),
        "mysql" | "mariadb" => Some(Dialect::Mysql),
        _ => None,
    }
}

impl Fleet {
    /// The targets, run four at a time, carrying on past a failure, connecting within 5 s and
    /// waiting at most 60 s for another migrator's lock on each.
    pub fn new(members: Vec<Member>) -> Fleet {
        Fleet {
            members,
            jobs: 4,
            keep_going: true,
            connect_timeout: Duration::from_secs(5),
            lock_wait: Some(Duration::from_secs(60)),
        }
    }

    /// How many targets run at once (at least one).
    pub fn jobs(self, jobs: usize) -> Fleet {
        Fleet { jobs: jobs.max(1), ..self }
    }

    /// `false`: once a target fails, start no other (those running finish); the rest are
    /// [`Outcome::NotRun`]. `true` (the default): run every target.
    pub fn keep_going(self, keep_going: bool) -> Fleet {
        Fleet { keep_going, ..self }
    }

    pub fn connect_timeout(self, timeout: Duration) -> Fleet {
        Fleet { connect_timeout: timeout, ..self }
    }

    /// How long each target waits for another migrator's lock before it fails; `None` waits as
    /// long as it takes.
    pub fn lock_wait(self, wait: Option<Duration>) -> Fleet {
        Fleet { lock_wait: wait, ..self }
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The URLs in a file, one a line; blank lines and lines starting with `#` are left out.
    pub fn from_file(path: &Path) -> Result<Vec<Member>, ListError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ListError::Read { path: path.to_owned(), message: e.to_string() })?;
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if dialect_of(line).is_none() {
                return Err(ListError::NotAUrl { path: path.to_owned(), line: i + 1, text: redact(line) });
            }
            out.push(Member::url(line));
        }
        Ok(out)
    }

    /// The URLs a query on the control database at `control` returns: the first column of
    /// each row, as text.
    pub async fn from_query(control: &str, sql: &str) -> Result<Vec<Member>, ListError> {
        let rows = query_text(control, sql, None).await?;
        rows.into_iter()
            .enumerate()
            .map(|(i, url)| match dialect_of(&url) {
                Some(_) => Ok(Member::url(url)),
                None => Err(ListError::RowNotAUrl { row: i + 1, text: url }),
            })
            .collect()
    }

    /// The schemas of the PostgreSQL database at `url` whose names are `LIKE` `pattern`
    /// (`tenant_%`), in name order.
    pub async fn schemas(url: &str, pattern: &str) -> Result<Vec<Member>, ListError> {
        if dialect_of(url) != Some(Dialect::Postgres) {
            return Err(ListError::NotPostgres(url.to_owned()));
        }
        let sql = "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1 ORDER BY 1";
        let names = query_text(url, sql, Some(pattern)).await?;
        Ok(names.into_iter().map(|s| Member::schema(url, s)).collect())
    }

    /// Applies the pending migrations on every target.
    pub async fn up(&self, migrator: &Migrator) -> Vec<Done> {
        self.run(migrator, Work::Up(Target::Version(None)), &mut |_| {}).await
    }

    /// Where every target stands.
    pub async fn status(&self, migrator: &Migrator) -> Vec<Done> {
        self.run(migrator, Work::Status, &mut |_| {}).await
    }

    /// Reverts every migration after `version` on every target (`None`: all of them), those
    /// this binary does not have with the down SQL stored when they were applied.
    pub async fn down_to(&self, migrator: &Migrator, version: Option<i64>) -> Vec<Done> {
        self.run(migrator, Work::Down(Target::Version(version)), &mut |_| {}).await
    }

    /// The start-up check on every target, under `policy`.
    pub async fn startup(&self, migrator: &Migrator, policy: Policy) -> Vec<Done> {
        self.run(migrator, Work::Startup(policy), &mut |_| {}).await
    }

    /// Does `work` on every target, at most [`jobs`](Fleet::jobs) at once, telling `events` as
    /// each starts and ends; the results in the targets' order. Needs a tokio runtime (sqlx's).
    pub async fn run(
        &self,
        migrator: &Migrator,
        work: Work,
        events: &mut (dyn FnMut(Event<'_>) + Send),
    ) -> Vec<Done> {
        let total = self.members.len();
        let mut results: Vec<Option<Done>> = (0..total).map(|_| None).collect();
        let mut tasks = tokio::task::JoinSet::new();
        // Which target each task runs, for a task that panicked.
        let mut ids = std::collections::HashMap::new();
        let mut next = 0;
        let mut finished = 0;
        let mut stopped = false;
        let migrator = migrator.with_lock_wait(self.lock_wait);
        loop {
            while !stopped && next < total && tasks.len() < self.jobs {
                let member = self.members[next].clone();
                events(Event::Started { member: &member });
                let timeout = self.connect_timeout;
                let index = next;
                let task = tasks.spawn(async move {
                    let start = Instant::now();
                    let outcome = match one(&migrator, &member, work, timeout).await {
                        Ok(o) => o,
                        Err(f) => Outcome::Failed(f),
                    };
                    (index, Done { member, outcome, took: start.elapsed() })
                });
                ids.insert(task.id(), index);
                next += 1;
            }
            let Some(joined) = tasks.join_next_with_id().await else { break };
            let (index, done) = match joined {
                Ok((_, r)) => r,
                // A panic in a task: said as that target's failure, as a panic is nowhere else.
                Err(e) => {
                    let Some(index) = ids.get(&e.id()).copied() else { continue };
                    let why = if e.is_panic() { "the migrator panicked" } else { "the task was cancelled" };
                    (
                        index,
                        Done {
                            member: self.members[index].clone(),
                            outcome: Outcome::Failed(Failure::Connect(why.to_owned())),
                            took: Duration::ZERO,
                        },
                    )
                }
            };
            finished += 1;
            if done.outcome.failed() && !self.keep_going {
                stopped = true;
            }
            events(Event::Finished { done: &done, finished, total });
            results[index] = Some(done);
        }
        results
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.unwrap_or_else(|| Done {
                    member: self.members[i].clone(),
                    outcome: Outcome::NotRun,
                    took: Duration::ZERO,
                })
            })
            .collect()
    }
}

/// Why a SQLite URL opens no database.
#[cfg(feature = "sqlite")]
pub(crate) enum SqliteUrl {
    /// The URL does not read, and why.
    Bad(String),
    /// The file is not there, and the command may not make it.
    Missing(std::path::PathBuf),
}

/// The options of a SQLite URL, its file made if missing when `create` (a command that writes
/// a history) or when the URL says `mode=rwc`; any other command on a file that is not there
/// is refused, rather than given a new empty database for a mistyped path.
#[cfg(feature = "sqlite")]
pub(crate) fn sqlite_options(
    url: &str,
    create: bool,
) -> Result<sqlx::sqlite::SqliteConnectOptions, SqliteUrl> {
    use std::str::FromStr;
    let mut options =
        sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(|e| SqliteUrl::Bad(e.to_string()))?;
    if create {
        options = options.create_if_missing(true);
    }
    let file = options.get_filename();
    let asked = url.contains("mode=rwc");
    if !create && !asked && !url.contains(":memory:") && !url.contains("mode=memory") && !file.exists() {
        return Err(SqliteUrl::Missing(file.to_path_buf()));
    }
    Ok(options)
}

/// `work` on one target.
async fn one(
    migrator: &Migrator,
    member: &Member,
    work: Work,
    timeout: Duration,
) -> Result<Outcome, Failure> {
    let url = member.url.as_str();
    // Only a run that writes a history may make a SQLite file, as `strata up` does.
    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
    let create = matches!(work, Work::Up(_) | Work::Startup(Policy::Apply));
    match dialect_of(url) {
        #[cfg(feature = "sqlite")]
        Some(Dialect::Sqlite) => {
            let options = sqlite_options(url, create).map_err(|e| {
                Failure::Connect(match e {
                    SqliteUrl::Bad(e) => e,
                    SqliteUrl::Missing(file) => {
                        format!("there is no SQLite database at `{}`", file.display())
                    }
                })
            })?;
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(timeout)
                .connect_with(options)
                .await
                .map_err(|e| Failure::Connect(e.to_string()))?;
            let out = on(migrator, &pool, work).await;
            pool.close().await;
            out
        }
        #[cfg(feature = "postgres")]
        Some(Dialect::Postgres) => {
            let mut options: sqlx::postgres::PgConnectOptions =
                url.parse().map_err(|e: sqlx::Error| Failure::Connect(e.to_string()))?;
            if let Some(schema) = &member.schema {
                let path = format!("\"{}\"", schema.replace('"', "\"\""));
                options =
                    options.options([("search_path", path.as_str()), ("strata.schema", schema.as_str())]);
            }
            let pool = pool::<sqlx::Postgres>(options, timeout).await.map_err(Failure::Connect)?;
            let out = on(migrator, &pool, work).await;
            pool.close().await;
            out
        }
        #[cfg(feature = "mysql")]
        Some(Dialect::Mysql) => {
            let options: sqlx::mysql::MySqlConnectOptions =
                url.parse().map_err(|e: sqlx::Error| Failure::Connect(e.to_string()))?;
            let pool = pool::<sqlx::MySql>(options, timeout).await.map_err(Failure::Connect)?;
            let out = on(migrator, &pool, work).await;
            pool.close().await;
            out
        }
        #[allow(unreachable_patterns)]
        Some(d) => Err(Failure::Connect(format!(
            "this binary was built without {} support (the `{}` feature of strata)",
            d.title(),
            d.name()
        ))),
        None => Err(Failure::Connect("not a database URL strata knows".to_owned())),
    }
}

async fn on<DB: Backend>(migrator: &Migrator, pool: &sqlx::Pool<DB>, work: Work) -> Result<Outcome, Failure> {
    let outcome = match work {
        Work::Up(target) => {
            let r = migrator.run_with(pool, target, &mut |_| {}).await.map_err(Failure::Migrate)?;
            Outcome::Applied { applied: r.applied, at: r.at }
        }
        Work::Down(target) => {
            let r = migrator.undo_with(pool, target, &mut |_| {}).await.map_err(Failure::Migrate)?;
            Outcome::Reverted { reverted: r.reverted, stored: r.stored, at: r.at }
        }
        Work::Status => Outcome::Status(migrator.status(pool).await.map_err(Failure::Migrate)?),
        Work::Startup(policy) => {
            Outcome::Started(migrator.startup(pool, policy).await.map_err(Failure::Migrate)?)
        }
    };
    Ok(outcome)
}

/// A one-connection pool for a server, or why there is none. A pool that cannot connect
/// retries until its time is up and then says only that it timed out: one direct attempt then
/// gives the cause (refused, unknown host, wrong password).
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) async fn pool<DB: sqlx::Database>(
    options: <DB::Connection as sqlx::Connection>::Options,
    timeout: Duration,
) -> Result<sqlx::Pool<DB>, String> {
    use sqlx::Connection;
    use sqlx::pool::PoolOptions;
    let err = match PoolOptions::<DB>::new()
        .max_connections(1)
        .acquire_timeout(timeout)
        .connect_with(options.clone())
        .await
    {
        Ok(pool) => return Ok(pool),
        Err(e) => e,
    };
    if !matches!(err, sqlx::Error::PoolTimedOut) {
        return Err(err.to_string());
    }
    let waited = format!("no connection within {} s", timeout.as_secs());
    match tokio::time::timeout(timeout, DB::Connection::connect_with(&options)).await {
        Ok(Err(cause)) => Err(format!("{waited}: {cause}")),
        _ => Err(format!("{waited} (`--connect-timeout` or `STRATA_CONNECT_TIMEOUT` waits longer)")),
    }
}

/// The first column of the rows `sql` returns on the database at `url`, as text (`bind`, the
/// query's one parameter, when given).
async fn query_text(url: &str, sql: &str, bind: Option<&str>) -> Result<Vec<String>, ListError> {
    let control = |cause: String| ListError::Control { url: url.to_owned(), cause };
    let timeout = Duration::from_secs(5);
    // The query on whichever pool: the same for every database.
    #[allow(unused_macros)]
    macro_rules! fetch {
        ($pool:expr) => {{
            let pool = $pool;
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.to_owned()));
            if let Some(b) = bind {
                q = q.bind(b.to_owned());
            }
            let rows = q.fetch_all(&pool).await.map_err(|e| ListError::Query(e.to_string()));
            pool.close().await;
            rows
        }};
    }
    match dialect_of(url) {
        #[cfg(feature = "sqlite")]
        Some(Dialect::Sqlite) => {
            let options = sqlite_options(url, false).map_err(|e| {
                control(match e {
                    SqliteUrl::Bad(e) => e,
                    SqliteUrl::Missing(file) => {
                        format!("there is no SQLite database at `{}`", file.display())
                    }
                })
            })?;
            fetch!(sqlx::SqlitePool::connect_with(options).await.map_err(|e| control(e.to_string()))?)
        }
        #[cfg(feature = "postgres")]
        Some(Dialect::Postgres) => {
            let options = url.parse().map_err(|e: sqlx::Error| control(e.to_string()))?;
            fetch!(pool::<sqlx::Postgres>(options, timeout).await.map_err(control)?)
        }
        #[cfg(feature = "mysql")]
        Some(Dialect::Mysql) => {
            let options = url.parse().map_err(|e: sqlx::Error| control(e.to_string()))?;
            fetch!(pool::<sqlx::MySql>(options, timeout).await.map_err(control)?)
        }
        _ => {
            let _ = (timeout, bind);
            Err(control("not a database URL this binary can open".to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Failure, Member};

    #[test]
    fn a_target_and_its_failure_never_show_a_password() {
        let m = Member::schema("postgres://app:s3cret@db.internal/app", "tenant_1");
        assert_eq!(m.name(), "postgres://app:***@db.internal/app#tenant_1");
        assert_eq!(format!("{m:?}"), m.name());
        let f = Failure::Connect("cannot open postgres://app:s3cret@db.internal/app".to_owned());
        assert!(!format!("{f:?} {f}").contains("s3cret"), "{f:?}");
    }
}
