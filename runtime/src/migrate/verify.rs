//! A live database against its migrations and the models.

use sqlx::Pool;

use super::{Backend, MigrateError, Migrator};

/// What [`Migrator::verify`] found: each drift in words.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// The version the database says it is at.
    pub version: Option<i64>,
    /// Where the database differs from the replay of the migrations it has applied.
    pub against_migrations: Vec<String>,
    /// Where the database differs from the models given.
    pub against_models: Vec<String>,
    /// What the comparison could not cover.
    pub notes: Vec<String>,
    /// The migrations not applied yet, when the models already describe the schema after them:
    /// the database is behind, not changed.
    pub pending: Vec<String>,
}

impl Verification {
    /// No drift: the database is what its applied migrations make (it may still be behind).
    pub fn is_clean(&self) -> bool {
        self.against_migrations.is_empty() && self.against_models.is_empty()
    }
}

impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.version.map_or("base".to_owned(), |v| format!("version {v}"));
        if self.is_clean() && !self.pending.is_empty() {
            write!(
                f,
                "the database (at {at}) matches the migrations it has applied; {} migration(s) are pending, and the models already describe the schema after them",
                self.pending.len()
            )?;
        } else if self.is_clean() {
            write!(f, "the database (at {at}) matches its migrations and the models")?;
        } else {
            write!(f, "the database (at {at}) has drifted:")?;
            for d in self.against_migrations.iter().chain(&self.against_models) {
                write!(f, "\n  - {d}")?;
            }
        }
        for n in &self.notes {
            write!(f, "\nnote: {n}")?;
        }
        Ok(())
    }
}

impl Migrator {
    /// Reads the live schema and compares it with the replay of the migrations the database
    /// has applied, and with `models` (usually [`crate::models()`]); tables listed as unmanaged
    /// are left out. Changes nothing.
    pub async fn verify<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        models: impl IntoIterator<Item = &'static crate::TableDef>,
    ) -> Result<Verification, MigrateError> {
        self.verify_tables(pool, models.into_iter().map(crate::TableDef::to_table).collect()).await
    }

    /// [`verify`](Migrator::verify) against tables rather than linked models: what `strata
    /// verify` passes after reading the models from source.
    pub async fn verify_tables<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        models: Vec<strata_schema::Table>,
    ) -> Result<Verification, MigrateError> {
        use strata_schema::diff::{self, MIGRATIONS_VS_DATABASE, MODEL_VS_DATABASE};
        let dialect = DB::DIALECT;
        let status = self.status(pool).await?;
        let replayed = self.managed(replay(
            self,
            dialect,
            status.entries.iter().filter(|e| e.applied.is_some()).map(|e| e.migration),
        )?);
        let actual = self.live(pool).await?;
        let mut v = Verification { version: status.current(), ..Verification::default() };
        if status.is_ahead() {
            v.notes.push(format!(
                "the database has {} migration(s) this binary does not know; the comparison with the migrations covers the ones it knows",
                status.unknown.len()
            ));
        }
        v.against_migrations.extend(
            diff::reported(diff::compare_schemas(dialect, &MIGRATIONS_VS_DATABASE, &replayed, &actual))
                .into_iter()
                .map(|d| d.message),
        );
        let mut models = models;
        models.retain(|t| !self.is_unmanaged(&t.name));
        for table in &mut models {
            table.normalize(dialect);
            v.against_models.extend(
                diff::reported(diff::compare(dialect, &MODEL_VS_DATABASE, table, None, &[], &actual))
                    .into_iter()
                    .map(|d| d.message),
            );
        }
        // A database that is merely behind differs from the models by what its pending
        // migrations do: when the models match the replay of every migration, that is all.
        if status.is_behind() && !v.against_models.is_empty() && v.against_migrations.is_empty() {
            let head = replay(self, dialect, status.entries.iter().map(|e| e.migration))?;
            let explained = models
                .iter()
                .all(|t| diff::compare(dialect, &diff::MODEL_VS_MIGRATIONS, t, None, &[], &head).is_empty());
            if explained {
                v.against_models.clear();
                v.pending = status.pending().map(|m| m.name()).collect();
            }
        }
        Ok(v)
    }
}

impl Migrator {
    /// Where the live database differs from what the migrations make at `version` (base when
    /// `None`), in words: what must be empty before a database is recorded as being there
    /// (`stamp`). The history table and unmanaged tables are left out.
    pub async fn differences_at<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        version: Option<i64>,
    ) -> Result<Vec<String>, MigrateError> {
        use strata_schema::diff::{self, MIGRATIONS_VS_DATABASE};
        // The history up to `version`, in order: the migrations before it and itself.
        let last = version.and_then(|v| self.position(v));
        let upto = self.migrations.iter().take(last.map_or(0, |l| l + 1));
        let expected = self.managed(replay(self, DB::DIALECT, upto)?);
        let actual = self.live(pool).await?;
        Ok(diff::reported(diff::compare_schemas(DB::DIALECT, &MIGRATIONS_VS_DATABASE, &expected, &actual))
            .into_iter()
            .map(|d| d.message)
            .collect())
    }
}

impl Migrator {
    /// The live schema, without the history (and progress) table and the unmanaged tables.
    async fn live<DB: Backend>(&self, pool: &Pool<DB>) -> Result<strata_schema::Schema, MigrateError> {
        let mut conn = pool.acquire().await.map_err(MigrateError::Connect)?;
        self.live_on(&mut conn).await
    }

    /// [`live`](Self::live), over a connection the caller holds (with the migration lock).
    pub(crate) async fn live_on<DB: Backend>(
        &self,
        conn: &mut sqlx::pool::PoolConnection<DB>,
    ) -> Result<strata_schema::Schema, MigrateError> {
        let mut actual = DB::introspect(conn).await.map_err(MigrateError::Introspect)?;
        actual.remove_table(self.table);
        actual.remove_table(&super::progress_table(self.table));
        actual.remove_table(&super::backend::downs_table(self.table));
        Ok(self.managed(actual))
    }

    /// `schema` without the tables strata leaves alone.
    pub(crate) fn managed(&self, mut schema: strata_schema::Schema) -> strata_schema::Schema {
        schema.tables.retain(|_, t| !self.is_unmanaged(&t.name) && !crate::introspect::is_foreign_history(t));
        schema
    }
}

/// The normalised replay of `migrations`' up SQL, in order.
pub(super) fn replay<'a>(
    migrator: &Migrator,
    dialect: strata_schema::Dialect,
    migrations: impl Iterator<Item = &'a super::Migration>,
) -> Result<strata_schema::Schema, MigrateError> {
    let mut schema = strata_schema::Schema::default();
    for m in migrations {
        migrator.replay_up(dialect, &mut schema, m).map_err(MigrateError::Replay)?;
    }
    schema.normalize(dialect);
    Ok(schema)
}
