//! Why a migration run stopped, and what to do about it.

use std::time::Duration;

/// A migration run that did not finish. Each message says where the database is left.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot reach the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot read or write the migration history in `{table}`: {}", said(source))]
    History { table: String, source: sqlx::Error },
    #[error("migration {name} failed, so the database stays at {at}: {}", said(source))]
    Failed { name: String, at: String, source: sqlx::Error },
    #[error("reverting migration {name} failed, so the database stays at {at}: {}", said(source))]
    RevertFailed { name: String, at: String, source: sqlx::Error },
    #[error(
        "migration {name} was changed after it was applied: its checksum differs from the one recorded in `{table}`; restore the file as it was, and put the change in a new migration"
    )]
    ChecksumMismatch { name: String, table: String },
    #[error(
        "the database has migration {version} ({description}) applied, which this binary does not have: the database is ahead of the binary; deploy a binary that has it, or revert it with one"
    )]
    UnknownVersion { version: i64, description: String },
    #[error(
        "migration {name} stopped partway on an earlier run (MySQL commits DDL statement by statement), so part of it may be in the database; compare the database with the migration, undo or finish its statements by hand, then run `DELETE FROM {table} WHERE version = {version}` and migrate again"
    )]
    Dirty { name: String, version: i64, table: String },
    #[error(
        "migration {name} is pending, but {newest}, which comes after it, is already applied: applying it now would run the two in an order no other database ran them (two branches merged?); nothing was applied"
    )]
    OutOfOrder { name: String, newest: String },
    #[error("migration {name} has no down SQL, so it cannot be reverted; the database stays at {at}")]
    Irreversible { name: String, at: String },
    #[error("no migration of this binary has version {0}")]
    UnknownTarget(i64),
    #[error("cannot replay the migrations: {0}")]
    Replay(#[source] strata_schema::ReplayError),
    #[error(transparent)]
    Introspect(crate::introspect::IntrospectError),
    #[error(
        "the database is behind this binary: {} pending ({}); apply them (`strata up`, or `Migrator::run`) before starting, or start with `Policy::Apply`",
        pending.len(),
        pending.join(", ")
    )]
    Pending { pending: Vec<String> },
}

/// What the database said, in its words: its message, and PostgreSQL's detail and hint. Not
/// sqlx's rendering, which ends a PostgreSQL error with "at line N", a line of the server's C
/// source that reads like a line of the migration.
fn said(e: &sqlx::Error) -> String {
    let Some(d) = e.as_database_error() else { return e.to_string() };
    #[allow(unused_mut)]
    let mut out = d.message().to_owned();
    #[cfg(feature = "postgres")]
    if let Some(pg) = d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        for (label, text) in [("detail", pg.detail()), ("hint", pg.hint())] {
            if let Some(t) = text {
                out.push_str(&format!(" ({label}: {t})"));
            }
        }
    }
    out
}

/// Where in `sql` (the text sent) the database located its error: 1-based line and column, from
/// PostgreSQL's position (a character offset); `None` from a database that gives none.
#[cfg(feature = "postgres")]
pub fn error_position(e: &sqlx::Error, sql: &str) -> Option<(usize, usize)> {
    let d = e.as_database_error()?.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()?;
    let sqlx::postgres::PgErrorPosition::Original(at) = d.position()? else { return None };
    let before: String = sql.chars().take(at.saturating_sub(1)).collect();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, column))
}

/// Without PostgreSQL support, no database here gives a position.
#[cfg(not(feature = "postgres"))]
pub fn error_position(_: &sqlx::Error, _: &str) -> Option<(usize, usize)> {
    None
}

/// One migration applied or reverted by a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub version: i64,
    pub name: String,
    pub took: Duration,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub applied: Vec<Step>,
    pub reverted: Vec<Step>,
}
