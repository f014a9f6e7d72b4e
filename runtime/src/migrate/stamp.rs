//! Recording a version without running SQL: for a database brought to a version by other means.

use sqlx::Pool;
use strata_schema::Dialect;

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
            if let Some(a) = applied.iter().find(|a| self.find(a.version).is_none()) {
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
                            sql.push(forget_sql(DB::DIALECT, self.table, m.version));
                        }
                        sql.push(record_sql(DB::DIALECT, self.table, m));
                        report.applied.push(step);
                    }
                    (false, Some(_)) => {
                        sql.push(forget_sql(DB::DIALECT, self.table, m.version));
                        report.reverted.push(step);
                    }
                    (false, None) => {}
                }
            }
            if !sql.is_empty() {
                let script = match DB::DIALECT {
                    Dialect::Mysql => format!("START TRANSACTION;\n{}\nCOMMIT;", sql.join("\n")),
                    _ => format!("BEGIN;\n{}\nCOMMIT;", sql.join("\n")),
                };
                DB::execute(&mut conn, &script).await.map_err(|e| self.history(e))?;
            }
            Ok(report)
        }
        .await;
        self.close::<DB, _>(&mut conn, result).await
    }
}
