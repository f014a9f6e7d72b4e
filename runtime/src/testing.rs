//! Testing a migration history in a user's `#[test]`: every down proven without a database
//! ([`prove_downs`]), and the round trip against a real one ([`round_trip`]).
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

/// Why [`prove_downs`] refused a history. Its `Debug` is its message, so that a test's
/// `unwrap()` prints the words and the SQL, not a dump.
#[derive(thiserror::Error)]
pub enum DownsError {
    #[error(
        "the migrator does not say its dialect: embed it with `embed_migrations!` (from `strata.toml`), or give it `with_dialect`"
    )]
    NoDialect,
    #[error("the migrations do not replay, so their downs cannot be proven:\n{0}")]
    Replay(strata_schema::ReplayError),
    #[error("{}", describe_unrestored(.0))]
    Unrestored(Vec<strata_schema::downs::Unrestored>),
}

fn describe_unrestored(found: &[strata_schema::downs::Unrestored]) -> String {
    let mut out = format!(
        "{} down file{} {} not give back the schema before {} up:",
        found.len(),
        if found.len() == 1 { "" } else { "s" },
        if found.len() == 1 { "does" } else { "do" },
        if found.len() == 1 { "its" } else { "their" }
    );
    for u in found {
        out.push_str(&format!("\n\n{}", u.render(&u.down.display().to_string())));
    }
    out
}

/// Proves, with no database, that each down file of `migrator` gives back the schema the
/// history had before its up (as `strata check` does; see docs/migrations.md#downs). Returns
/// how many downs were proven; a down marked `-- strata:irreversible` and an up-only
/// migration are not counted. `strata.toml`'s `[[effect]]` entries for down files are not in
/// a binary: a down that needs one is proven by `strata check`.
pub fn prove_downs(migrator: &Migrator) -> Result<usize, DownsError> {
    let dialect = migrator.dialect().ok_or(DownsError::NoDialect)?;
    let set = migrator.as_set(dialect);
    let (_, found) = strata_schema::downs::replay_proving(&set).map_err(DownsError::Replay)?;
    if !found.is_empty() {
        return Err(DownsError::Unrestored(found));
    }
    Ok(set
        .migrations
        .iter()
        .filter(|m| m.down.as_ref().is_some_and(|d| !strata_schema::downs::marked_irreversible(&d.sql)))
        .count())
}

/// What a round trip did with each migration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundTrip {
    /// Migrations that went up, down and up again, matching the replay at every step.
    pub checked: Vec<String>,
    /// Migrations without down SQL: checked up only.
    pub irreversible: Vec<String>,
}

/// Where a round trip found the database and the migrations in disagreement. Its `Debug` is
/// its message, so that a test's `unwrap()` prints the differences in words, not a dump.
#[derive(thiserror::Error)]
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

impl fmt::Debug for RoundTripError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Debug for DownsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
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
        schema.remove_table(&crate::migrate::downs_table(migrator.table()));
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

#[cfg(test)]
mod tests {
    use crate::migrate::Migration;

    const fn migration(version: i64, text: &'static str, up: &'static str, down: &'static str) -> Migration {
        Migration {
            version,
            version_text: text,
            description: "m",
            up,
            down: Some(down),
            checksum: [0; 48],
            sqlx_checksum: [0; 48],
            no_transaction: false,
            down_no_transaction: false,
            replaces: &[],
            up_data: None,
            down_data: None,
        }
    }

    static GOOD: [Migration; 2] = [
        migration(1, "1", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);", "DROP TABLE users;"),
        migration(2, "2", "CREATE INDEX ix_email ON users (email);", "DROP INDEX ix_email;"),
    ];
    static BAD: [Migration; 3] = [
        migration(1, "1", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);", "DROP TABLE users;"),
        migration(2, "2", "CREATE INDEX ix_email ON users (email);", "SELECT 1;"),
        migration(
            3,
            "3",
            "ALTER TABLE users ADD COLUMN age INTEGER;",
            "-- strata:irreversible the ages are kept",
        ),
    ];

    #[test]
    fn downs_are_proven_from_the_binary_alone() {
        let sqlite = strata_schema::Dialect::Sqlite;
        assert_eq!(super::prove_downs(&crate::Migrator::new(&GOOD).with_dialect(sqlite)).ok(), Some(2));
        let e = super::prove_downs(&crate::Migrator::new(&BAD).with_dialect(sqlite)).expect_err("refused");
        assert_eq!(
            e.to_string(),
            "1 down file does not give back the schema before its up:\n\nthe down of `2_m` does not give back the schema before its up:\n  - index `ix_email` on `users` (email) is in the schema after its down, but not in the schema before the migration\nadd to the end of `2_m.down.sql`:\n    DROP INDEX ix_email;\nor, if the migration cannot be undone on purpose, say so in its down file: `-- strata:irreversible <why>`"
        );
        // What a test's `unwrap()` prints is the message.
        assert_eq!(format!("{e:?}"), e.to_string());
        assert!(matches!(
            super::prove_downs(&crate::Migrator::new(&GOOD)),
            Err(super::DownsError::NoDialect)
        ));
    }
}
