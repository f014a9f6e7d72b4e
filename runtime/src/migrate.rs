//! Migrations embedded in the binary by [`embed_migrations!`](crate::embed_migrations), and
//! the [`Migrator`] that applies and reverts them.

// A `MigrateError` ends a run and is made at most once per run: its size (where and why a
// statement failed) costs nothing.
#![allow(clippy::result_large_err)]

mod adopt;
mod backend;
mod error;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
mod progress;
mod resume;
#[cfg(feature = "sqlite")]
mod sqlite;
mod stamp;
mod startup;
mod status;
mod verify;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use sqlx::Pool;
use sqlx::pool::PoolConnection;

pub use adopt::{Adoption, Tool};
pub use backend::{
    Applied, Backend, Carry, Partial, RunError, create_table_sql, downs_table, forget_sql, progress_table,
    record_sql,
};
pub use error::{MigrateError, Report, Step, error_position};
pub use resume::Mark;
pub use startup::{Policy, Startup};
pub use status::{AppliedInfo, Entry, Status};
pub use verify::Verification;

/// The history table sqlx's migrator uses; strata keeps its history in the same table and
/// layout, so `sqlx migrate info` reads it and a database migrated by sqlx carries on.
pub const DEFAULT_TABLE: &str = "_sqlx_migrations";

/// One migration, as `embed_migrations!` writes it into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The version as sqlx's history table stores it.
    pub version: i64,
    /// The version as written in the file name (diesel's without its dashes).
    pub version_text: &'static str,
    pub description: &'static str,
    pub up: &'static str,
    /// `None` for an up-only migration (sqlx's `<version>_<name>.sql`).
    pub down: Option<&'static str>,
    /// SHA-384 of the up SQL with `\r\n` read as `\n`, computed at compile time.
    pub checksum: [u8; 48],
    /// SHA-384 of the up SQL's exact bytes: what sqlx records, and what strata records too.
    pub sqlx_checksum: [u8; 48],
    /// The up runs outside a transaction (`-- no-transaction` on its first line, diesel's
    /// `run_in_transaction = false`).
    pub no_transaction: bool,
    /// The down runs outside a transaction: its own file says so (or diesel's metadata).
    pub down_no_transaction: bool,
    /// The migrations this one squashes (its `-- strata:replaces` lines): a database whose
    /// history has them counts it as applied, and a new one runs it instead.
    pub replaces: &'static [Replaced],
    /// The Rust function the up runs at its `-- strata:rust` line, linked in by
    /// `embed_migrations!`.
    pub up_data: Option<DataStep>,
    /// The same for the down.
    pub down_data: Option<DataStep>,
}

/// A data migration's Rust code: the async function a migration file names on its
/// `-- strata:rust <path>` line, run there over the migration's connection, inside its
/// transaction where the database allows. `embed_migrations!` links it.
#[derive(Clone, Copy)]
pub struct DataStep {
    /// The path the file gives (`crate::data::backfill`).
    pub path: &'static str,
    pub run: DataFn,
}

impl std::fmt::Debug for DataStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataStep({})", self.path)
    }
}

impl PartialEq for DataStep {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl Eq for DataStep {}

/// What a data step's function returns.
pub type DataError = Box<dyn std::error::Error + Send + Sync>;
/// A data step's function, called: a future that borrows the connection.
pub type DataFuture<'c> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DataError>> + Send + 'c>>;

/// A data step's function, over the connection of its database.
#[derive(Clone, Copy)]
pub enum DataFn {
    #[cfg(feature = "sqlite")]
    Sqlite(for<'c> fn(&'c mut sqlx::SqliteConnection) -> DataFuture<'c>),
    #[cfg(feature = "postgres")]
    Postgres(for<'c> fn(&'c mut sqlx::PgConnection) -> DataFuture<'c>),
    #[cfg(feature = "mysql")]
    Mysql(for<'c> fn(&'c mut sqlx::MySqlConnection) -> DataFuture<'c>),
}

impl std::fmt::Debug for DataFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        #[allow(unreachable_patterns)]
        let database = match self {
            #[cfg(feature = "sqlite")]
            DataFn::Sqlite(_) => "SQLite",
            #[cfg(feature = "postgres")]
            DataFn::Postgres(_) => "PostgreSQL",
            #[cfg(feature = "mysql")]
            DataFn::Mysql(_) => "MySQL",
            _ => "none",
        };
        write!(f, "DataFn({database})")
    }
}

impl DataStep {
    /// What its failure (or a wrong database) is to the migrator: the function's own
    /// `sqlx::Error` as it is, anything else in words.
    pub(crate) fn failed(&self, e: DataError) -> sqlx::Error {
        match e.downcast::<sqlx::Error>() {
            Ok(e) => *e,
            Err(e) => sqlx::Error::InvalidArgument(format!("the Rust step `{}` failed: {e}", self.path)),
        }
    }

    pub(crate) fn wrong_database(&self, dialect: strata_schema::Dialect) -> sqlx::Error {
        sqlx::Error::InvalidArgument(format!(
            "the Rust step `{}` takes another database's connection than {}'s: embed_migrations! links it for the dialect of strata.toml",
            self.path,
            dialect.name()
        ))
    }
}

/// A migration a squash took the place of: its version, and the checksum the history holds
/// for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    pub version: i64,
    pub checksum: [u8; 48],
    /// `20240101120000_add_users`.
    pub name: &'static str,
}

impl Migration {
    /// `20240101120000_add_users`, the name a user sees.
    pub fn name(&self) -> String {
        format!("{}_{}", self.version_text, self.description.replace(' ', "_"))
    }
}

/// The migrations a binary carries, in the order they apply.
#[derive(Debug, Clone, Copy)]
pub struct Migrator {
    migrations: &'static [Migration],
    table: &'static str,
    /// Tables strata leaves alone (`unmanaged` in `strata.toml`); a trailing `*` is a prefix.
    unmanaged: &'static [&'static str],
    /// The dialect of `strata.toml`, for what is said without a database (`strata sql`).
    dialect: Option<strata_schema::Dialect>,
    /// `[[effect]]` of `strata.toml`: `(version, line, sql)`, what a statement strata cannot see
    /// into does, for the replays `verify` and `round_trip` make.
    effects: &'static [(i64, u64, Option<&'static str>)],
    /// Whether a pending migration older than the newest applied one may be applied.
    out_of_order: bool,
    /// Whether a run on a database another tool migrated takes over that tool's history first.
    adopting: bool,
    /// `[timeouts]` of `strata.toml`: what each migration runs with, unless its file says
    /// otherwise.
    timeouts: strata_schema::Timeouts,
    /// How long a run waits for another migrator's lock; `None` waits as long as it takes.
    lock_wait: Option<Duration>,
}

impl Migrator {
    /// What `embed_migrations!` expands to; `migrations` must be in order.
    #[doc(hidden)]
    pub const fn new(migrations: &'static [Migration]) -> Self {
        Migrator {
            migrations,
            table: DEFAULT_TABLE,
            unmanaged: &[],
            dialect: None,
            effects: &[],
            out_of_order: false,
            adopting: false,
            timeouts: strata_schema::Timeouts::DEFAULT,
            lock_wait: None,
        }
    }

    /// Gives up waiting for another migrator's lock (a deploy running beside this one) after
    /// `wait`, with [`MigrateError::Locked`], rather than waiting as long as it takes.
    pub const fn with_lock_wait(self, wait: Option<Duration>) -> Self {
        Migrator { lock_wait: wait, ..self }
    }

    /// How long each migration may wait for a lock and run, and how often one that gave up
    /// waiting for a lock is tried again; `embed_migrations!` takes them from `strata.toml`'s
    /// `[timeouts]`, a migration file's `-- strata:lock_timeout` (and the like) lines win.
    pub const fn with_timeouts(self, timeouts: strata_schema::Timeouts) -> Self {
        Migrator { timeouts, ..self }
    }

    /// What the migrations run with, unless a file says otherwise.
    pub fn timeouts(&self) -> strata_schema::Timeouts {
        self.timeouts
    }

    /// The dialect the migrations are written in; `embed_migrations!` takes it from `strata.toml`.
    pub const fn with_dialect(self, dialect: strata_schema::Dialect) -> Self {
        Migrator { dialect: Some(dialect), ..self }
    }

    /// The dialect the migrations are written in, when known.
    pub fn dialect(&self) -> Option<strata_schema::Dialect> {
        self.dialect
    }

    /// Tables that [`verify`](Migrator::verify) leaves alone; `embed_migrations!` takes them
    /// from `strata.toml`.
    pub const fn with_unmanaged(self, unmanaged: &'static [&'static str]) -> Self {
        Migrator { unmanaged, ..self }
    }

    /// What `strata.toml`'s `[[effect]]` entries say; `embed_migrations!` takes them from there.
    #[doc(hidden)]
    pub const fn with_effects(self, effects: &'static [(i64, u64, Option<&'static str>)]) -> Self {
        Migrator { effects, ..self }
    }

    /// The replay of `m`'s up SQL onto `schema`, with what `strata.toml` says of its statements.
    pub(crate) fn replay_up(
        &self,
        dialect: strata_schema::Dialect,
        schema: &mut strata_schema::Schema,
        m: &Migration,
    ) -> Result<(), strata_schema::ReplayError> {
        let effects: Vec<(u64, Option<&str>)> =
            self.effects.iter().filter(|(v, _, _)| *v == m.version).map(|(_, l, s)| (*l, *s)).collect();
        let name = m.name();
        strata_schema::replay::apply_sql_with(dialect, schema, std::path::Path::new(&name), m.up, &effects)
    }

    /// These migrations as a directory read from disk would give them, in `dialect`: each file
    /// named as `<name>.up.sql` / `<name>.down.sql`, `strata.toml`'s unmanaged tables and the
    /// effects it says of up files (the only ones a binary carries).
    pub(crate) fn as_set(&self, dialect: strata_schema::Dialect) -> strata_schema::MigrationSet {
        use strata_schema::migrations::{Layout, SqlFile};
        let mut config = strata_schema::Config::new(dialect);
        config.unmanaged = self.unmanaged.iter().map(|u| (*u).to_owned()).collect();
        config.timeouts = self.timeouts;
        config.effects = self
            .effects
            .iter()
            .filter_map(|(v, line, sql)| {
                let m = self.find(*v)?;
                Some(strata_schema::Effect {
                    file: format!("{}.up.sql", m.name()),
                    line: *line,
                    sql: sql.map(str::to_owned),
                })
            })
            .collect();
        let migrations = self
            .migrations
            .iter()
            .map(|m| strata_schema::migrations::Migration {
                version: m.version_text.to_owned(),
                version_number: m.version,
                description: m.description.to_owned(),
                layout: if m.down.is_some() { Layout::SqlxReversible } else { Layout::SqlxSimple },
                up: SqlFile { path: format!("{}.up.sql", m.name()).into(), sql: m.up.to_owned() },
                down: m
                    .down
                    .map(|d| SqlFile { path: format!("{}.down.sql", m.name()).into(), sql: d.to_owned() }),
                no_transaction: m.no_transaction,
                down_no_transaction: m.down_no_transaction,
                checksum: m.checksum,
                replaces: m
                    .replaces
                    .iter()
                    .map(|r| strata_schema::migrations::Replaced {
                        version: r.version,
                        checksum: r.checksum,
                        name: r.name.to_owned(),
                    })
                    .collect(),
            })
            .collect();
        strata_schema::MigrationSet { dir: std::path::PathBuf::new(), config, migrations }
    }

    pub(crate) fn is_unmanaged(&self, table: &str) -> bool {
        strata_schema::is_unmanaged(self.unmanaged, table)
    }

    /// A migrator over a directory read at run time, for tools and tests (the SQL is leaked, to
    /// live as long as the process, as embedded SQL does). Applications embed theirs with
    /// [`embed_migrations!`](crate::embed_migrations).
    pub fn from_set(set: &strata_schema::MigrationSet) -> Migrator {
        let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
        let migrations: Vec<Migration> = set
            .migrations
            .iter()
            .map(|m| Migration {
                version: m.version_number,
                version_text: leak(&m.version),
                description: leak(&m.description),
                up: leak(&m.up.sql),
                down: m.down.as_ref().map(|d| leak(&d.sql)),
                checksum: m.checksum,
                // The same bytes hashed, unless a line ends in `\r\n`.
                sqlx_checksum: if m.up.sql.contains('\r') {
                    strata_schema::migrations::sqlx_checksum(&m.up.sql)
                } else {
                    m.checksum
                },
                no_transaction: m.no_transaction,
                down_no_transaction: m.down_no_transaction,
                replaces: Box::leak(
                    m.replaces
                        .iter()
                        .map(|r| Replaced { version: r.version, checksum: r.checksum, name: leak(&r.name) })
                        .collect::<Vec<_>>()
                        .into_boxed_slice(),
                ),
                // A function cannot be read from disk: a run refuses a migration that names
                // one (`NoDataStep`).
                up_data: None,
                down_data: None,
            })
            .collect();
        let unmanaged: Vec<&'static str> = set.config.unmanaged.iter().map(|u| leak(u)).collect();
        let effects: Vec<(i64, u64, Option<&'static str>)> =
            set.up_effects().into_iter().map(|(v, line, sql)| (v, line, sql.map(leak))).collect();
        Migrator::new(Box::leak(migrations.into_boxed_slice()))
            .with_unmanaged(Box::leak(unmanaged.into_boxed_slice()))
            .with_dialect(set.config.dialect)
            .with_effects(Box::leak(effects.into_boxed_slice()))
            .with_timeouts(set.config.timeouts)
    }

    /// Lets a run apply a pending migration older than the newest one applied (two branches
    /// merged the other way round). Off by default: such a migration would run in an order no
    /// other database ran it, and the run refuses, naming both.
    pub const fn allow_out_of_order(self, allow: bool) -> Self {
        Migrator { out_of_order: allow, ..self }
    }

    /// Lets a run (and [`startup`](Migrator::startup)) take over the history of another tool
    /// (diesel, golang-migrate, dbmate, goose, Flyway, Prisma) when strata's own is empty, as
    /// [`adopt`](Migrator::adopt) does: the database must hold exactly what the migrations that
    /// tool recorded make, or the run is refused and nothing is recorded. Off by default: such
    /// a run is refused, naming the tool.
    pub const fn adopting(self, adopt: bool) -> Self {
        Migrator { adopting: adopt, ..self }
    }

    /// Keeps the history in `table` rather than `_sqlx_migrations`.
    pub const fn with_table(self, table: &'static str) -> Self {
        Migrator { table, ..self }
    }

    pub fn table(&self) -> &'static str {
        self.table
    }

    /// Every migration, oldest first.
    pub fn migrations(&self) -> &'static [Migration] {
        self.migrations
    }

    /// The newest migration, if there is any.
    pub fn latest(&self) -> Option<&'static Migration> {
        self.migrations.last()
    }
}

impl Migrator {
    /// `target`, if the version it names is one of these migrations.
    fn known(&self, target: Target) -> Result<(), MigrateError> {
        match target {
            Target::Version(Some(v)) if self.find(v).is_none() => Err(match self.squash_of(v) {
                Some(s) => MigrateError::SquashedTarget { version: v, squash: s.name() },
                None => MigrateError::UnknownTarget(v),
            }),
            _ => Ok(()),
        }
    }

    pub(crate) fn find(&self, version: i64) -> Option<&'static Migration> {
        self.migrations.iter().find(|m| m.version == version)
    }

    /// The squash that replaces `version`, when one does and no migration of its own has it.
    pub(crate) fn squash_of(&self, version: i64) -> Option<&'static Migration> {
        if self.find(version).is_some() {
            return None;
        }
        self.migrations.iter().find(|m| m.replaces.iter().any(|r| r.version == version))
    }

    /// Where each version stands in the history, for what looks up many: a long history
    /// looked up one scan at a time made a start-up quadratic in its length.
    fn positions(&self) -> HashMap<i64, usize> {
        self.migrations.iter().enumerate().map(|(i, m)| (m.version, i)).collect()
    }

    /// Where `version` stands in the history. Order is the history's own (diesel orders its
    /// versions as text), never the numbers': `20240313` can come after `20180114171611`.
    fn position(&self, version: i64) -> Option<usize> {
        self.migrations.iter().position(|m| m.version == version)
    }

    /// Applies every pending migration, oldest first.
    pub async fn run<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Report, MigrateError> {
        self.up(pool, Target::Version(None), &mut |_| {}).await
    }

    /// Applies the pending migrations up to and including `version`.
    pub async fn run_to<DB: Backend>(&self, pool: &Pool<DB>, version: i64) -> Result<Report, MigrateError> {
        self.run_with(pool, Target::Version(Some(version)), &mut |_| {}).await
    }

    /// Applies pending migrations, as [`run`](Migrator::run) (`Target::Version(None)`),
    /// [`run_to`](Migrator::run_to) or the next `n` (`Target::Steps(n)`), telling `progress`
    /// before and after each one.
    pub async fn run_with<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        target: Target,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<Report, MigrateError> {
        self.known(target)?;
        self.up(pool, target, progress).await
    }

    /// Reverts the newest `steps` applied migrations.
    pub async fn undo<DB: Backend>(&self, pool: &Pool<DB>, steps: usize) -> Result<Report, MigrateError> {
        self.down(pool, Target::Steps(steps), &mut |_| {}).await
    }

    /// Reverts migrations, as [`undo`](Migrator::undo) or [`undo_to`](Migrator::undo_to), telling
    /// `progress` before and after each one.
    pub async fn undo_with<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        target: Target,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<Report, MigrateError> {
        self.known(target)?;
        self.down(pool, target, progress).await
    }

    /// Reverts every migration newer than `version`; `None` reverts them all (to base).
    pub async fn undo_to<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        version: Option<i64>,
    ) -> Result<Report, MigrateError> {
        self.undo_with(pool, Target::Version(version), &mut |_| {}).await
    }

    /// Where the database stands against this binary's migrations. Takes no lock and changes
    /// nothing (a database without the history table is at base).
    pub async fn status<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Status, MigrateError> {
        let mut conn = pool.acquire().await.map_err(MigrateError::Connect)?;
        // Reading changes nothing: no history table is a database at base.
        let (applied, partials) =
            if DB::has_table(&mut conn, self.table).await.map_err(|e| self.history(e))? {
                (
                    DB::applied(&mut conn, self.table).await.map_err(|e| self.history(e))?,
                    DB::partials(&mut conn, self.table).await.map_err(|e| self.history(e))?,
                )
            } else {
                (Vec::new(), Vec::new())
            };
        let by_version: HashMap<i64, &Applied> = applied.iter().map(|a| (a.version, a)).collect();
        let mut entries: Vec<Entry> = self
            .migrations
            .iter()
            .map(|m| Entry {
                migration: m,
                squashed: squashed_rows(m, &applied).len(),
                applied: by_version.get(&m.version).map(|a| AppliedInfo {
                    installed_on: a.installed_on.clone(),
                    took: Duration::from_nanos(u64::try_from(a.execution_time).unwrap_or(0)),
                    checksum_matches: matches(m, &a.checksum),
                    exact: a.checksum[..] == m.sqlx_checksum[..],
                    success: a.success,
                    partial: partials.iter().find(|p| p.version == m.version && !a.success).map(|p| {
                        let sql = if p.reverting { m.down.unwrap_or("") } else { m.up };
                        backend::Partial {
                            statements: strata_schema::replay::statements(DB::DIALECT, sql).len(),
                            ..p.clone()
                        }
                    }),
                    out_of_order: None,
                }),
            })
            .collect();
        // A migration applied later than one that comes after it was applied out of order; the
        // history's times say so (to the second, as the databases record them). The earliest
        // time after each entry tells in one pass whether any is earlier; only then is it found.
        let mut earliest_after: Vec<Option<&str>> = vec![None; entries.len()];
        for i in (0..entries.len().saturating_sub(1)).rev() {
            let next = entries[i + 1].applied.as_ref().map(|a| a.installed_on.as_str());
            earliest_after[i] = match (earliest_after[i + 1], next) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let out_of_order: Vec<bool> = entries
            .iter()
            .zip(&earliest_after)
            .map(|(e, after)| {
                e.applied.as_ref().zip(*after).is_some_and(|(a, after)| after < a.installed_on.as_str())
            })
            .collect();
        for i in 0..entries.len() {
            if !out_of_order[i] {
                continue;
            }
            let Some(when) = entries[i].applied.as_ref().map(|a| a.installed_on.clone()) else { continue };
            let newer = entries[i + 1..]
                .iter()
                .find(|e| e.applied.as_ref().is_some_and(|a| a.installed_on < when))
                .map(|e| e.migration.name());
            if let Some(a) = entries[i].applied.as_mut() {
                a.out_of_order = newer;
            }
        }
        let positions = self.positions();
        let unknown: Vec<Applied> = applied
            .into_iter()
            .filter(|a| !positions.contains_key(&a.version) && self.squash_of(a.version).is_none())
            .collect();
        let stored = if unknown.is_empty() {
            Vec::new()
        } else {
            backend::read_downs::<DB>(&mut conn, self.table)
                .await
                .map_err(|e| self.history(e))?
                .into_iter()
                .map(|k| k.version)
                .filter(|v| unknown.iter().any(|a| a.version == *v))
                .collect()
        };
        Ok(Status { entries, unknown, stored })
    }

    async fn up<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        target: Target,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<Report, MigrateError> {
        let (mut conn, mut applied) = self.open(pool).await?;
        let result = async {
            // Another tool's history on a database strata has not run on: taken over when asked,
            // else refused before anything runs.
            if applied.is_empty() && self.refuse_foreign::<DB>(&mut conn).await? {
                applied = DB::applied(&mut conn, self.table).await.map_err(|e| self.history(e))?;
            }
            let partials = DB::partials(&mut conn, self.table).await.map_err(|e| self.history(e))?;
            self.check(&applied, &partials)?;
            // A migration that stopped partway is carried on before anything else.
            let mut half: Option<&'static Migration> = None;
            for p in &partials {
                let Some(m) = self.half_done(p, &applied) else { continue };
                if p.reverting {
                    return Err(self.unfinished::<DB>(m, p));
                }
                half = Some(m);
            }
            let mut done: Vec<i64> =
                applied.iter().map(|a| a.version).filter(|v| half.is_none_or(|h| h.version != *v)).collect();
            let mut report = Report::default();
            let positions = self.positions();
            let position = |v: i64| positions.get(&v).copied();
            let in_already: HashSet<i64> = done.iter().copied().collect();
            let pending =
                half.into_iter().chain(self.migrations.iter().filter(|m| {
                    !in_already.contains(&m.version) && half.is_none_or(|h| h.version != m.version)
                }));
            let chosen: Vec<&'static Migration> = match target {
                Target::Steps(n) => pending.take(n).collect(),
                Target::Version(None) => pending.collect(),
                Target::Version(Some(v)) => {
                    let last = position(v);
                    pending.filter(|m| position(m.version) <= last).collect()
                }
            };
            if let Some(h) = half {
                let p = partials.iter().find(|p| p.version == h.version).expect("read above");
                if !chosen.iter().any(|m| m.version == h.version) {
                    return Err(self.unfinished::<DB>(h, p));
                }
                self.prepare_resume::<DB>(&mut conn, h, p, &applied).await?;
            }
            self.carries_data(chosen.iter().map(|m| (*m, false)))?;
            self.fits::<DB>(&mut conn, chosen.iter().map(|m| (*m, m.up))).await?;
            if let (false, Some(newest)) = (self.out_of_order, newest(&done, &positions))
                && let Some(older) = chosen.iter().find(|m| position(m.version) < position(newest))
            {
                return Err(MigrateError::OutOfOrder {
                    name: older.name(),
                    newest: self.find(newest).map_or_else(|| newest.to_string(), Migration::name),
                });
            }
            let total = chosen.len();
            let mut carry = backend::Carry::default();
            // The schema the replay gives after each: its fingerprint is kept with the down SQL.
            // (Replayed only when something runs: a start at head replays nothing.)
            let mut replayed = if total > 0 { self.replayed_before::<DB>(&done, &positions) } else { None };
            for (index, m) in chosen.into_iter().enumerate() {
                carry.fingerprint = replayed.as_mut().and_then(|s| {
                    self.replay_up(DB::DIALECT, s, m).ok()?;
                    Some(fingerprint(DB::DIALECT, s))
                });
                if carry.fingerprint.is_none() {
                    replayed = None;
                }
                progress(Progress::Applying { migration: m, index, total });
                carry.follows = index + 1 < total;
                carry.resuming = partials.iter().any(|p| p.version == m.version && !p.reverting);
                let timeouts = self.timeouts_of(m.up);
                let mut tries = Tries::new(timeouts);
                let ran = loop {
                    DB::limit(&mut conn, &timeouts).await.map_err(|e| self.history(e))?;
                    match DB::apply(&mut conn, self.table, m, &mut carry).await {
                        Err(e) if DB::lock_timed_out(&e.source) => {
                            if !tries.again::<DB>(&mut conn, m, false, progress).await? {
                                break Err(e);
                            }
                            // The next try carries on as a run after this one would: from
                            // the statements in, where some are (MySQL), else from the start.
                            carry.resuming = e.committed.is_some();
                        }
                        ran => break ran,
                    }
                };
                match ran {
                    Ok(Some(took)) => {
                        progress(Progress::Done { migration: m, index, total, took });
                        applied_event(m, "up", took);
                        report.applied.push(Step { version: m.version, name: m.name(), took });
                    }
                    Ok(None) => {}
                    Err(e) => {
                        let e = tries.said(self.stopped::<DB>(m, false, e, &done));
                        failed_event(m, "up", &e);
                        return Err(e);
                    }
                }
                done.push(m.version);
            }
            report.at = newest(&done, &positions);
            Ok(report)
        }
        .await;
        self.close::<DB, _>(&mut conn, result).await
    }

    async fn down<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        target: Target,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<Report, MigrateError> {
        let (mut conn, applied) = self.open(pool).await?;
        let result = async {
            let partials = DB::partials(&mut conn, self.table).await.map_err(|e| self.history(e))?;
            // Migrations a newer release applied, which this binary does not have: reverted with
            // the down SQL that release stored, newest first, before any of ours.
            let stored = self.stored_downs::<DB>(&mut conn, &applied).await?;
            let ours: Vec<Applied> =
                applied.iter().filter(|a| !stored.iter().any(|s| s.version == a.version)).cloned().collect();
            self.check(&ours, &partials)?;
            let mut half: Option<(&'static Migration, &backend::Partial)> = None;
            for p in &partials {
                let Some(m) = self.half_done(p, &applied) else { continue };
                if !p.reverting {
                    return Err(self.unfinished::<DB>(m, p));
                }
                half = Some((m, p));
            }
            // `check` made sure every applied version is one of ours, or one a squash of ours
            // replaces (which goes with the squash).
            let positions = self.positions();
            let position = |v: i64| positions.get(&v).copied();
            let mut done: Vec<i64> = ours.iter().map(|a| a.version).filter(|v| positions.contains_key(v)).collect();
            let mut newest_first: Vec<&'static Migration> =
                done.iter().filter_map(|v| position(*v)).map(|i| &self.migrations[i]).collect();
            newest_first.sort_by_key(|m| std::cmp::Reverse(position(m.version)));
            let newest_first: Vec<&'static Migration> = stored.iter().copied().chain(newest_first).collect();
            let chosen: Vec<&'static Migration> = match target {
                Target::Steps(n) => newest_first.into_iter().take(n).collect(),
                Target::Version(None) => newest_first,
                Target::Version(Some(v)) => {
                    let keep = position(v);
                    // A stored one comes after every one of ours.
                    newest_first
                        .into_iter()
                        .filter(|m| position(m.version).is_none_or(|p| Some(p) > keep))
                        .collect()
                }
            };
            if let Some((m, p)) = half {
                if !chosen.iter().any(|c| c.version == m.version) {
                    return Err(self.unfinished::<DB>(m, p));
                }
                self.prepare_resume::<DB>(&mut conn, m, p, &applied).await?;
            }
            self.carries_data(chosen.iter().map(|m| (*m, true)))?;
            let reverted = chosen.iter().filter_map(|m| Some((*m, m.down?)));
            self.fits::<DB>(&mut conn, reverted).await?;
            let mut report = Report::default();
            let total = chosen.len();
            let mut carry = backend::Carry::default();
            for (index, &m) in chosen.iter().enumerate() {
                let version = m.version;
                let Some(down) = m.down else {
                    return Err(MigrateError::Irreversible { name: m.name(), at: self.describe(&done) });
                };
                let from_store = stored.iter().any(|s| s.version == version);
                if from_store {
                    progress(Progress::Stored { migration: m });
                    tracing::warn!(
                        target: "strata::migrate",
                        migration = %m.name(),
                        version,
                        "reverting a migration this binary does not have, with the down SQL stored when it was applied"
                    );
                }
                progress(Progress::Reverting { migration: m, index, total });
                // One that cannot be reverted stops the run before it starts.
                carry.follows = chosen.get(index + 1).is_some_and(|n| n.down.is_some());
                carry.resuming = partials.iter().any(|p| p.version == m.version && p.reverting);
                let timeouts = self.timeouts_of(down);
                let mut tries = Tries::new(timeouts);
                let ran = loop {
                    DB::limit(&mut conn, &timeouts).await.map_err(|e| self.history(e))?;
                    match DB::revert(&mut conn, self.table, m, down, &mut carry).await {
                        Err(e) if DB::lock_timed_out(&e.source) => {
                            if !tries.again::<DB>(&mut conn, m, true, progress).await? {
                                break Err(e);
                            }
                            // The next try carries on as a run after this one would: from
                            // the statements in, where some are (MySQL), else from the start.
                            carry.resuming = e.committed.is_some();
                        }
                        ran => break ran,
                    }
                };
                match ran {
                    Ok(took) => {
                        progress(Progress::Done { migration: m, index, total, took });
                        applied_event(m, "down", took);
                        report.reverted.push(Step { version, name: m.name(), took });
                        if from_store {
                            report.stored.push(m.name());
                        }
                    }
                    Err(e) => {
                        let e = tries.said(self.stopped::<DB>(m, true, e, &done));
                        failed_event(m, "down", &e);
                        return Err(e);
                    }
                }
                done.retain(|x| *x != version);
            }
            report.at = newest(&done, &positions);
            Ok(report)
        }
        .await;
        self.close::<DB, _>(&mut conn, result).await
    }

    /// The migrations `applied` records that this binary does not have (nor a squash of its
    /// replaces) whose down SQL the release that applied them stored, newest first: what
    /// `down` reverts with that SQL. Made to live as long as the process, as embedded ones do.
    async fn stored_downs<DB: Backend>(
        &self,
        conn: &mut PoolConnection<DB>,
        applied: &[Applied],
    ) -> Result<Vec<&'static Migration>, MigrateError> {
        let positions = self.positions();
        let theirs: Vec<i64> = applied
            .iter()
            .map(|a| a.version)
            .filter(|v| !positions.contains_key(v) && self.squash_of(*v).is_none())
            .collect();
        if theirs.is_empty() {
            return Ok(Vec::new());
        }
        let kept = backend::read_downs::<DB>(conn, self.table).await.map_err(|e| self.history(e))?;
        let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
        let mut out: Vec<&'static Migration> = kept
            .into_iter()
            .filter(|k| theirs.contains(&k.version))
            .map(|k| {
                let m = Migration {
                    version: k.version,
                    version_text: leak(&k.version.to_string()),
                    description: leak(&k.description),
                    up: "",
                    down: Some(leak(&k.down_sql)),
                    checksum: [0; 48],
                    sqlx_checksum: [0; 48],
                    no_transaction: false,
                    down_no_transaction: k.no_transaction,
                    replaces: &[],
                    up_data: None,
                    down_data: None,
                };
                &*Box::leak(Box::new(m))
            })
            .collect();
        out.sort_by_key(|m| std::cmp::Reverse(m.version));
        Ok(out)
    }

    /// Takes a connection and the lock, and reads the history. The connection is closed, not
    /// returned to the pool, when it is dropped: the lock goes with it even if the run is
    /// cancelled halfway.
    async fn open<DB: Backend>(
        &self,
        pool: &Pool<DB>,
    ) -> Result<(PoolConnection<DB>, Vec<Applied>), MigrateError> {
        let mut conn = pool.acquire().await.map_err(MigrateError::Connect)?;
        conn.close_on_drop();
        if !DB::lock(&mut conn, self.lock_wait).await.map_err(|e| self.history(e))? {
            return Err(MigrateError::Locked { waited: self.lock_wait.unwrap_or_default() });
        }
        let history = async {
            DB::ensure_table(&mut conn, self.table).await?;
            DB::applied(&mut conn, self.table).await
        }
        .await;
        match history {
            Ok(applied) => Ok((conn, applied)),
            Err(e) => {
                let _ = DB::unlock(&mut conn).await;
                Err(self.history(e))
            }
        }
    }

    /// Releases the lock, whatever the run's outcome; the run's own error comes first.
    async fn close<DB: Backend, T>(
        &self,
        conn: &mut PoolConnection<DB>,
        result: Result<T, MigrateError>,
    ) -> Result<T, MigrateError> {
        let unlocked = DB::unlock(conn).await;
        let value = result?;
        unlocked.map_err(|e| self.history(e))?;
        Ok(value)
    }

    /// The migration `p` records as stopped partway, if the history says so too.
    fn half_done(&self, p: &backend::Partial, applied: &[Applied]) -> Option<&'static Migration> {
        applied.iter().find(|a| a.version == p.version && !a.success)?;
        self.find(p.version)
    }

    /// The refusal to run anything else while `m` is half done.
    fn unfinished<DB: Backend>(&self, m: &Migration, p: &backend::Partial) -> MigrateError {
        let sql = if p.reverting { m.down.unwrap_or("") } else { m.up };
        let p = backend::Partial {
            statements: strata_schema::replay::statements(DB::DIALECT, sql).len(),
            ..p.clone()
        };
        MigrateError::Unfinished {
            name: m.name(),
            version: m.version,
            reverting: p.reverting,
            state: p.describe(),
        }
    }

    /// Every data step the migrations to run name (their up, or their down when `true`) must be
    /// linked into this binary; checked before any runs.
    fn carries_data(
        &self,
        migrations: impl Iterator<Item = (&'static Migration, bool)>,
    ) -> Result<(), MigrateError> {
        for (m, down) in migrations {
            let (sql, data) = if down { (m.down.unwrap_or(""), m.down_data) } else { (m.up, m.up_data) };
            if data.is_none()
                && let Ok(Some((line, path))) = strata_schema::migrations::rust_step(sql)
            {
                return Err(MigrateError::NoDataStep {
                    name: m.name(),
                    direction: if down { "down" } else { "up" },
                    line,
                    path,
                });
            }
        }
        Ok(())
    }

    /// Every statement of `migrations` must fit in what the server takes at once; checked
    /// before any runs.
    async fn fits<DB: Backend>(
        &self,
        conn: &mut PoolConnection<DB>,
        migrations: impl Iterator<Item = (&'static Migration, &'static str)>,
    ) -> Result<(), MigrateError> {
        // Nothing to run (a start-up at head) asks the server nothing.
        let migrations: Vec<(&'static Migration, &'static str)> = migrations.collect();
        if migrations.is_empty() {
            return Ok(());
        }
        let Some(limit) = DB::max_statement(conn).await.map_err(|e| self.history(e))? else { return Ok(()) };
        // Room for what strata sends with a statement (the record of its progress).
        const SLACK: usize = 1024;
        for (m, sql) in migrations {
            if (sql.len() + SLACK) as u64 <= limit {
                continue;
            }
            let spans = strata_schema::replay::statement_spans(DB::DIALECT, sql);
            for (k, r) in spans.iter().enumerate() {
                if (r.len() + SLACK) as u64 > limit {
                    return Err(MigrateError::TooLarge {
                        name: m.name(),
                        statement: (k + 1, spans.len()),
                        size: r.len(),
                        limit,
                        position: Some(line_column(sql, r.start)),
                    });
                }
            }
        }
        Ok(())
    }

    /// The error of a migration that failed: where (statement, line and column), and whether
    /// part of it stayed in.
    fn stopped<DB: Backend>(
        &self,
        m: &Migration,
        reverting: bool,
        e: RunError,
        done: &[i64],
    ) -> MigrateError {
        let (sql, whole) = if reverting {
            (m.down.unwrap_or(""), !m.down_no_transaction)
        } else {
            (m.up, !m.no_transaction)
        };
        let spans = strata_schema::replay::statement_spans(DB::DIALECT, sql);
        let position = match e.statement.and_then(|k| spans.get(k)) {
            Some(r) => {
                let (line, column) = line_column(sql, r.start);
                Some(match error_position(&e.source, &sql[r.clone()]) {
                    Some((1, c)) => (line, column + c - 1),
                    Some((l, c)) => (line + l - 1, c),
                    None => (line, column),
                })
            }
            None if whole => error_position(&e.source, sql),
            None => None,
        };
        let statement = e.statement.map(|k| (k + 1, spans.len()));
        let (name, at) = (m.name(), self.describe(done));
        match (e.committed, reverting) {
            (Some(committed), _) => MigrateError::Stopped {
                name,
                version: m.version,
                reverting,
                statement: statement.unwrap_or((committed + 1, spans.len())),
                committed,
                lost: e.source.as_database_error().is_none()
                    && !matches!(e.source, sqlx::Error::InvalidArgument(_)),
                source: e.source,
                position,
            },
            (None, false) => MigrateError::Failed { name, at, source: e.source, statement, position },
            (None, true) => MigrateError::RevertFailed { name, at, source: e.source, statement, position },
        }
    }

    /// The history must be one this binary can build on; a migration recorded as stopped
    /// partway is one only where `partials` says how far it got.
    fn check(&self, applied: &[Applied], partials: &[backend::Partial]) -> Result<(), MigrateError> {
        let positions = self.positions();
        for a in applied {
            let Some(m) = positions.get(&a.version).map(|i| &self.migrations[*i]) else {
                if let Some(s) = self.squash_of(a.version) {
                    if !s.replaces.iter().any(|r| r.version == a.version && a.checksum[..] == r.checksum) {
                        let name = s.replaces.iter().find(|r| r.version == a.version).map_or("", |r| r.name);
                        return Err(MigrateError::SquashedChecksum {
                            name: name.to_owned(),
                            squash: s.name(),
                            table: self.table.to_owned(),
                        });
                    }
                    continue;
                }
                return Err(MigrateError::UnknownVersion {
                    version: a.version,
                    description: a.description.clone(),
                });
            };
            let recorded = partials.iter().any(|p| p.version == a.version);
            if !a.success && !recorded {
                return Err(MigrateError::Dirty {
                    name: m.name(),
                    version: a.version,
                    table: self.table.to_owned(),
                });
            }
            if a.success && !matches(m, &a.checksum) {
                return Err(MigrateError::ChecksumMismatch { name: m.name(), table: self.table.to_owned() });
            }
        }
        for s in self.migrations.iter().filter(|m| !m.replaces.is_empty()) {
            if let Some(e) = part_squashed(s, applied) {
                return Err(e);
            }
        }
        Ok(())
    }

    /// The raw replay of the migrations of `done`, in the history's order, to go on from; `None`
    /// when it cannot be made (the fingerprints are then not kept).
    fn replayed_before<DB: Backend>(
        &self,
        done: &[i64],
        positions: &HashMap<i64, usize>,
    ) -> Option<strata_schema::Schema> {
        // By position, not one scan of the history per version: a long history is replayed
        // in time linear in its length.
        let mut ours: Vec<usize> = done.iter().filter_map(|v| positions.get(v).copied()).collect();
        ours.sort_unstable();
        let mut schema = strata_schema::Schema::default();
        for i in ours {
            self.replay_up(DB::DIALECT, &mut schema, &self.migrations[i]).ok()?;
        }
        Some(schema)
    }

    /// What `sql` (a migration's file) runs with: `[timeouts]`, with what its own lines say (a
    /// line discovery or the macro refused cannot be here; one that is anyway is left out).
    fn timeouts_of(&self, sql: &str) -> strata_schema::Timeouts {
        self.timeouts.in_file(sql).unwrap_or(self.timeouts)
    }

    /// "version X (name)" for the newest of `done`, or "base".
    fn describe(&self, done: &[i64]) -> String {
        match newest(done, &self.positions()).and_then(|v| self.find(v)) {
            Some(m) => format!("version {} ({})", m.version, m.name()),
            None => "base (no migration applied)".to_owned(),
        }
    }

    pub(crate) fn history(&self, source: sqlx::Error) -> MigrateError {
        MigrateError::History { table: self.table.to_owned(), source }
    }
}

/// How far a run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// This many migrations.
    Steps(usize),
    /// Up to and including this version (up), or down to it, keeping it (down); `None` is
    /// head (up) or base (down).
    Version(Option<i64>),
}

/// What a run is doing, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// About to apply the `index`th of `total` migrations.
    Applying { migration: &'a Migration, index: usize, total: usize },
    /// About to revert the `index`th of `total` migrations.
    Reverting { migration: &'a Migration, index: usize, total: usize },
    /// Finished the `index`th of `total` migrations.
    Done { migration: &'a Migration, index: usize, total: usize, took: Duration },
    /// The `attempt`th try of `migration` (of at most `attempts`) is `wait` away: the one before
    /// gave up waiting `lock_timeout` for a lock, which `holders` held (as described by the
    /// database; empty when it named none).
    Waiting {
        migration: &'a Migration,
        attempt: u32,
        attempts: u32,
        lock_timeout: Duration,
        wait: Duration,
        holders: &'a [String],
    },
    /// About to revert a migration this binary does not have (a newer release applied it),
    /// with the down SQL that release stored; `Reverting` follows.
    Stored { migration: &'a Migration },
}

/// The tries of one migration that may give up waiting for a lock: how many there were, and who
/// held the lock the last time.
struct Tries {
    timeouts: strata_schema::Timeouts,
    made: u32,
    holders: Vec<String>,
    /// The lock timeout as the database counts it.
    waited: Duration,
}

impl Tries {
    fn new(timeouts: strata_schema::Timeouts) -> Self {
        Tries { timeouts, made: 1, holders: Vec::new(), waited: timeouts.lock }
    }

    /// After try `made` of `m` gave up waiting for a lock (`e`): who held it; then, when a try
    /// is left, the wait before it, said to `progress` and the log, and `true`.
    async fn again<DB: Backend>(
        &mut self,
        conn: &mut PoolConnection<DB>,
        m: &Migration,
        reverting: bool,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<bool, MigrateError> {
        let sql = if reverting { m.down.unwrap_or("") } else { m.up };
        self.waited = DB::lock_wait(&self.timeouts);
        // Who held it is said when it can be read; a failure to read it changes nothing.
        self.holders = DB::holders(conn, sql).await.unwrap_or_default();
        if self.made > self.timeouts.retries {
            return Ok(false);
        }
        self.made += 1;
        let wait = strata_schema::Timeouts::backoff(self.made);
        progress(Progress::Waiting {
            migration: m,
            attempt: self.made,
            attempts: self.timeouts.retries + 1,
            lock_timeout: self.waited,
            wait,
            holders: &self.holders,
        });
        tracing::warn!(
            target: "strata::migrate",
            migration = %m.name(),
            version = m.version,
            direction = if reverting { "down" } else { "up" },
            lock_timeout_ms = self.waited.as_millis() as u64,
            wait_ms = wait.as_millis() as u64,
            attempt = self.made,
            holders = %self.holders.join("; "),
            "migration gave up waiting for a lock; trying it again"
        );
        DB::pause(conn, wait).await.map_err(MigrateError::Connect)?;
        Ok(true)
    }

    /// The error of the last try, saying, when it gave up waiting for a lock, how often it
    /// tried and who held the lock.
    fn said(self, e: MigrateError) -> MigrateError {
        let timed_out = match &e {
            MigrateError::Failed { source, .. }
            | MigrateError::RevertFailed { source, .. }
            | MigrateError::Stopped { source, .. } => is_lock_timeout(source),
            _ => false,
        };
        if !timed_out {
            return e;
        }
        MigrateError::LockTimeout {
            source: Box::new(e),
            tries: self.made,
            lock_timeout: self.waited,
            holders: self.holders,
        }
    }
}

/// Whether the database gave up waiting for a lock, on any database this build has.
pub(crate) fn is_lock_timeout(e: &sqlx::Error) -> bool {
    #[allow(unused_mut)]
    let mut timed_out = false;
    #[cfg(feature = "postgres")]
    {
        timed_out |= <sqlx::Postgres as Backend>::lock_timed_out(e);
    }
    #[cfg(feature = "mysql")]
    {
        timed_out |= <sqlx::MySql as Backend>::lock_timed_out(e);
    }
    let _ = e;
    timed_out
}

/// The newest of `done` in the binary's order (`positions`), `None` when it is empty.
fn newest(done: &[i64], positions: &HashMap<i64, usize>) -> Option<i64> {
    done.iter().copied().max_by_key(|v| positions.get(v))
}

/// The 1-based line and column (in characters) of a byte offset of `sql`.
fn line_column(sql: &str, at: usize) -> (usize, usize) {
    let before = &sql[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// sqlx records the checksum of the exact bytes; strata accepts that, or the one with line
/// endings normalised, so a checkout with other line endings is not a changed migration. A
/// squash is also what the migration of its version it replaces recorded.
fn matches(m: &Migration, recorded: &[u8]) -> bool {
    recorded == m.sqlx_checksum
        || recorded == m.checksum
        || m.replaces.iter().any(|r| r.version == m.version && recorded == r.checksum)
}

/// The migrations `s` squashes that `applied` records (other than its own version's).
fn squashed_rows(s: &Migration, applied: &[Applied]) -> Vec<i64> {
    let mut versions: Vec<i64> = s.replaces.iter().map(|r| r.version).filter(|v| *v != s.version).collect();
    versions.dedup();
    versions.retain(|v| applied.iter().any(|a| a.version == *v));
    versions
}

/// The refusal to run on a database that applied some of the migrations `s` squashes but not
/// all (it stopped in their midst, with a release from before the squash).
fn part_squashed(s: &Migration, applied: &[Applied]) -> Option<MigrateError> {
    let rows = squashed_rows(s, applied);
    let mut all: Vec<i64> = s.replaces.iter().map(|r| r.version).collect();
    all.dedup();
    let own = applied.iter().any(|a| a.version == s.version);
    let has = rows.len() + usize::from(own && all.contains(&s.version));
    if has == 0 || has == all.len() || own && rows.is_empty() {
        return None;
    }
    let name = |v: i64| {
        s.replaces.iter().find(|r| r.version == v).map_or_else(|| v.to_string(), |r| r.name.to_owned())
    };
    let at =
        all.iter().rev().find(|v| applied.iter().any(|a| a.version == **v)).copied().unwrap_or(s.version);
    Some(MigrateError::PartlySquashed {
        squash: s.name(),
        applied: has,
        total: all.len(),
        at: name(at),
        last: name(*all.last().unwrap_or(&s.version)),
    })
}

/// The fingerprint of a schema: SHA-384 of its normalised form, as written by `Debug` (maps in
/// key order), without strata's own tables.
fn fingerprint(dialect: strata_schema::Dialect, schema: &strata_schema::Schema) -> [u8; 48] {
    let mut s = schema.clone();
    s.normalize(dialect);
    strata_schema::migrations::sqlx_checksum(&format!("{s:?}"))
}

/// The `tracing` event of a migration applied (`direction` "up") or reverted ("down"), at INFO,
/// target `strata::migrate`: an application's subscriber logs it with its name and duration.
fn applied_event(m: &Migration, direction: &'static str, took: std::time::Duration) {
    tracing::info!(
        target: "strata::migrate",
        migration = %m.name(),
        version = m.version,
        direction,
        took_ms = took.as_millis() as u64,
        outcome = "ok",
        "migration {}", if direction == "up" { "applied" } else { "reverted" }
    );
}

/// The event of a migration that failed, at ERROR, with what the error says.
fn failed_event(m: &Migration, direction: &'static str, e: &MigrateError) {
    tracing::error!(
        target: "strata::migrate",
        migration = %m.name(),
        version = m.version,
        direction,
        outcome = "failed",
        error = %e,
        "migration failed"
    );
}
