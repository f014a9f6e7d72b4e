//! Why a migration run stopped, and what to do about it.

use std::time::Duration;

/// A migration run that did not finish. Each message says where the database is left.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot reach the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot read or write the migration history in `{table}`: {source}")]
    History { table: String, source: sqlx::Error },
    #[error("migration {name} failed, so the database stays at {at}: {source}")]
    Failed { name: String, at: String, source: sqlx::Error },
    #[error("reverting migration {name} failed, so the database stays at {at}: {source}")]
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
