//! What an application checks when it starts: see [`Policy`].

use sqlx::Pool;

use super::{Backend, MigrateError, Migration, Migrator, Status, Step};

/// What [`Migrator::startup`] does when the database is behind the binary.
///
/// Whatever the policy, a database that is ahead of the binary (it has migrations the binary
/// does not know), has a migration whose file changed since it was applied, or has one that
/// stopped partway, is refused: starting on it would run code against a schema nobody checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Apply the pending migrations, then start (development, single-instance deployments).
    Apply,
    /// Refuse to start (production, where migrations are a deployment step of their own).
    Refuse,
    /// Start, and say which migrations are pending (a rolling deploy where the migration step
    /// runs alongside).
    Warn,
}

/// What [`Migrator::startup`] found and did.
#[derive(Debug, Clone)]
pub struct Startup {
    /// Where the database stands now.
    pub status: Status,
    pub applied: Vec<Step>,
    /// For the application's log: set under [`Policy::Warn`] when migrations are pending.
    pub warnings: Vec<String>,
}

impl Migrator {
    /// The check an application runs when it starts; see [`Policy`].
    pub async fn startup<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        policy: Policy,
    ) -> Result<Startup, MigrateError> {
        let mut status = self.status(pool).await?;
        // Nothing recorded: another tool may have migrated the database. Its history is taken
        // over when asked (`adopting`), else the start is refused, naming it.
        if status.current().is_none() && status.unknown.is_empty() {
            if self.adopting {
                if self.adopt_asked(pool).await? {
                    status = self.status(pool).await?;
                }
            } else if let Some(tool) = self.foreign_histories(pool).await?.first() {
                return Err(MigrateError::ForeignHistory { tool: *tool });
            }
        }
        if let Some(a) = status.unknown.first() {
            return Err(MigrateError::UnknownVersion {
                version: a.version,
                description: a.description.clone(),
            });
        }
        for e in &status.entries {
            match &e.applied {
                Some(a) if !a.success => {
                    let (name, version, table) =
                        (e.migration.name(), e.migration.version, self.table.to_owned());
                    return Err(match &a.partial {
                        Some(p) => MigrateError::Unfinished {
                            name,
                            version,
                            reverting: p.reverting,
                            state: p.describe(),
                        },
                        None => MigrateError::Dirty { name, version, table },
                    });
                }
                Some(a) if !a.checksum_matches => {
                    return Err(MigrateError::ChecksumMismatch {
                        name: e.migration.name(),
                        table: self.table.to_owned(),
                    });
                }
                _ => {}
            }
        }
        let pending: Vec<String> = status.pending().map(Migration::name).collect();
        match policy {
            _ if pending.is_empty() => Ok(Startup { status, applied: Vec::new(), warnings: Vec::new() }),
            Policy::Apply => {
                let report = self.run(pool).await?;
                Ok(Startup {
                    status: self.status(pool).await?,
                    applied: report.applied,
                    warnings: Vec::new(),
                })
            }
            Policy::Refuse => Err(MigrateError::Pending { pending }),
            Policy::Warn => {
                let warning = format!(
                    "the database is behind this binary: {} pending ({})",
                    pending.len(),
                    pending.join(", ")
                );
                Ok(Startup { status, applied: Vec::new(), warnings: vec![warning] })
            }
        }
    }
}
