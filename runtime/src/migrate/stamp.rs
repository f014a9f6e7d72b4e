//! Recording a version without running SQL: for a database brought to a version by other means.

use sqlx::Pool;

use super::backend::{forget_sql, record_sql};
use super::{Backend, MigrateError, Migrator, Report, Step};

impl Migrator {
    /// Makes the history say the database is at `version` (`None`: base) without running any
    /// migration: records the migrations up to it as applied and forgets the ones after it. A
    /// migration recorded as stopped partway is recorded again as applied. What `strata stamp`
    /// does, as Alembic's `stamp`.
    pub async fn stamp<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        version: Option<i64>,
    ) -> Result<Report, MigrateError> {
        let keep = match version {
            Some(v) => Some(self.position(v).ok_or(MigrateError::UnknownTarget(v))?),
            None => None,
        };
        let (mut conn, applied) = self.open(pool).await?;
        let result = async {
            if let Some(a) =
                applied.iter().find(|a| self.find(a.version).is_none() && self.squash_of(a.version).is_none())
            {
                return Err(MigrateError::UnknownVersion {
                    version: a.version,
                    description: a.description.clone(),
                });
            }
            let mut sql = Vec::new();
            let mut report = Report::default();
            for (i, m) in self.migrations.iter().enumerate() {
                let record = applied.iter().find(|a| a.version == m.version);
                let wanted = keep.is_some_and(|k| i <= k);
                let step = Step { version: m.version, name: m.name(), took: std::time::Duration::ZERO };
                match (wanted, record) {
                    (true, Some(a)) if a.success => {}
                    (true, record) => {
                        if record.is_some() {
                            sql.push(forget_sql(DB::DIALECT, self.table, m));
                        }
                        sql.push(record_sql(DB::DIALECT, self.table, m));
                        report.applied.push(step);
                    }
                    (false, Some(_)) => {
                        sql.push(forget_sql(DB::DIALECT, self.table, m));
                        report.reverted.push(step);
                    }
                    (false, None) => {}
                }
            }
            self.record::<DB>(&mut conn, &sql).await?;
            report.at = keep.map(|k| self.migrations[k].version);
            Ok(report)
        }
        .await;
        self.close::<DB, _>(&mut conn, result).await
    }

    /// Records in the history the checksum of each applied migration's file as it is now, where
    /// the history holds another: after an edit of an applied migration that changes nothing it
    /// does (line endings, spacing, comments), as Flyway's `repair`. sqlx's migrator refuses a
    /// database whose recorded checksum is not the one of the file's exact bytes (a file checked
    /// out with other line endings); strata accepts line endings, but records what sqlx reads.
    /// Returns the migrations repaired. Runs no migration SQL; whether the edit changed what a
    /// migration does is for the caller to check first ([`differences_at`](Self::differences_at),
    /// as `strata repair` does).
    pub async fn repair<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Vec<Step>, MigrateError> {
        let (mut conn, applied) = self.open(pool).await?;
        let result = async {
            let mut sql = Vec::new();
            let mut repaired = Vec::new();
            for a in applied.iter().filter(|a| a.success) {
                if self.squash_of(a.version).is_some() {
                    continue;
                }
                let Some(m) = self.find(a.version) else {
                    return Err(MigrateError::UnknownVersion {
                        version: a.version,
                        description: a.description.clone(),
                    });
                };
                let squashed =
                    m.replaces.iter().any(|r| r.version == m.version && a.checksum[..] == r.checksum);
                if a.checksum[..] != m.sqlx_checksum[..] && !squashed {
                    sql.push(format!(
                        "UPDATE {} SET checksum = {} WHERE version = {};",
                        super::backend::quoted(DB::DIALECT, self.table),
                        super::backend::checksum_literal(DB::DIALECT, &m.sqlx_checksum),
                        m.version
                    ));
                    repaired.push(Step {
                        version: m.version,
                        name: m.name(),
                        took: std::time::Duration::ZERO,
                    });
                }
            }
            self.record::<DB>(&mut conn, &sql).await?;
            Ok(repaired)
        }
        .await;
        self.close::<DB, _>(&mut conn, result).await
    }

    /// Runs statements of the history (no migration SQL) in one transaction: all or none.
    pub(crate) async fn record<DB: Backend>(
        &self,
        conn: &mut sqlx::pool::PoolConnection<DB>,
        statements: &[String],
    ) -> Result<(), MigrateError> {
        if statements.is_empty() {
            return Ok(());
        }
        let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
        let script = super::backend::transaction(DB::DIALECT, &statements);
        DB::execute(conn, &script).await.map_err(|e| self.history(e))
    }
}
