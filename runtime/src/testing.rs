//! Round-trip testing of a migration history against a real database, for a user's `#[test]`.
//!
//! ```no_run
//! # static MIGRATOR: strata::Migrator = strata::Migrator::new(&[]);
//! # async fn example(pool: sqlx::SqlitePool) {
//! // In a #[tokio::test], on an empty database:
//! strata::testing::round_trip(&pool, &MIGRATOR).await.unwrap();
//! # }
//! ```

use std::fmt;

use sqlx::Pool;
use strata_schema::Schema;
use strata_schema::diff::{self, Sides};

use crate::Migrator;
use crate::migrate::{Backend, MigrateError};

/// What a round trip did with each migration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundTrip {
    /// Migrations that went up, down and up again, matching the replay at every step.
    pub checked: Vec<String>,
    /// Migrations without down SQL: checked up only.
    pub irreversible: Vec<String>,
}

/// Where a round trip found the database and the migrations in disagreement.
#[derive(Debug, thiserror::Error)]
pub enum RoundTripError {
    #[error("the round trip needs an empty database, but it is at version {0}")]
    NotEmpty(i64),
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    #[error("cannot read the database schema: {0}")]
    Introspect(#[from] crate::introspect::IntrospectError),
    #[error("cannot replay {migration}: {source}")]
    Replay { migration: String, source: strata_schema::ReplayError },
    #[error("{step} of {migration} leaves the database different from {expected}:\n{difference}")]
    Differs { migration: String, step: Step, expected: &'static str, difference: String },
}

/// Which half of the round trip a difference came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Up,
    Down,
    UpAgain,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Up => "the up",
            Step::Down => "the down",
            Step::UpAgain => "applying up again after down",
        })
    }
}

const BEFORE_VS_DOWN: Sides = Sides {
    ours: "the schema before the migration",
    theirs: "the database after its down",
    missing: "is not in the database after the down",
    model: false,
};
const AFTER_VS_UP_AGAIN: Sides = Sides {
    ours: "the schema after the first up",
    theirs: "the database after up again",
    missing: "is not in the database after up again",
    model: false,
};

/// For every migration of `migrator`, oldest first: applies it and compares the database with
/// strata's replay; reverts it and compares with the schema before it; applies it again and
/// compares once more. Leaves the database at head. After a down, columns are compared
/// regardless of their order, since `ADD COLUMN` cannot put one back where it was.
pub async fn round_trip<DB: Backend>(
    pool: &Pool<DB>,
    migrator: &Migrator,
) -> Result<RoundTrip, RoundTripError> {
    if let Some(v) = migrator.status(pool).await?.current() {
        return Err(RoundTripError::NotEmpty(v));
    }
    let dialect = DB::DIALECT;
    let read = async || -> Result<Schema, RoundTripError> {
        let mut conn = pool.acquire().await.map_err(MigrateError::Connect)?;
        let mut schema = DB::introspect(&mut conn).await?;
        schema.remove_table(migrator.table());
        schema.remove_table(&crate::migrate::progress_table(migrator.table()));
        Ok(schema)
    };
    let mut replayed = Schema::default();
    let mut report = RoundTrip::default();
    for m in migrator.migrations() {
        let name = m.name();
        let before = read().await?;
        migrator
            .replay_up(dialect, &mut replayed, m)
            .map_err(|source| RoundTripError::Replay { migration: name.clone(), source })?;
        let mut expected = replayed.clone();
        expected.normalize(dialect);
        let differs = |step, expected_what, difference| RoundTripError::Differs {
            migration: name.clone(),
            step,
            expected: expected_what,
            difference,
        };

        migrator.run_to(pool, m.version).await?;
        let after = read().await?;
        if let Some(d) = diff::describe(dialect, &diff::MIGRATIONS_VS_DATABASE, &expected, &after) {
            return Err(differs(Step::Up, "the replay of the migrations", d));
        }
        if m.down.is_none() {
            report.irreversible.push(name);
            continue;
        }
        // A down cannot put a column back where it was (ADD COLUMN appends): compare the
        // columns, not their order.
        migrator.undo(pool, 1).await?;
        let reverted = read().await?.with_columns_by_name();
        if let Some(d) = diff::describe(dialect, &BEFORE_VS_DOWN, &before.with_columns_by_name(), &reverted) {
            return Err(differs(Step::Down, "the schema before the migration", d));
        }
        migrator.run_to(pool, m.version).await?;
        let again = read().await?.with_columns_by_name();
        if let Some(d) = diff::describe(dialect, &AFTER_VS_UP_AGAIN, &after.with_columns_by_name(), &again) {
            return Err(differs(Step::UpAgain, "the schema after the first up", d));
        }
        report.checked.push(name);
    }
    Ok(report)
}
