//! Taking over a database another tool migrated: its history table read, the live schema proven
//! to be what the migrations make at the version it records, and the same migrations recorded
//! in strata's history. Nothing is dropped from the other tool's table.

use std::collections::HashSet;

use sqlx::Pool;
use strata_schema::Dialect;

use super::backend::record_sql;
use super::{Backend, MigrateError, Migration, Migrator, Report, Step};

/// A migration tool whose history table strata reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    /// diesel's `__diesel_schema_migrations`: a row per applied version.
    Diesel,
    /// golang-migrate's `schema_migrations (version, dirty)`: one row, the version the database
    /// is at.
    GolangMigrate,
    /// dbmate's `schema_migrations (version)`: a row per applied version.
    Dbmate,
    /// goose's `goose_db_version`: a row per apply and per revert, the newest one of a version
    /// saying where it stands.
    Goose,
    /// Flyway's `flyway_schema_history`: a row per script run, baseline and undo.
    Flyway,
    /// Prisma's `_prisma_migrations`: a row per migration started, finished or rolled back.
    Prisma,
}

impl Tool {
    pub const ALL: [Tool; 6] =
        [Tool::Diesel, Tool::GolangMigrate, Tool::Dbmate, Tool::Goose, Tool::Flyway, Tool::Prisma];

    /// The tool's name, as `strata adopt --from` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Diesel => "diesel",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Dbmate => "dbmate",
            Tool::Goose => "goose",
            Tool::Flyway => "flyway",
            Tool::Prisma => "prisma",
        }
    }

    /// The tool named `name` (`migrate` is golang-migrate's command).
    pub fn parse(name: &str) -> Option<Tool> {
        let name = name.trim().to_ascii_lowercase();
        Tool::ALL.into_iter().find(|t| t.name() == name || (name == "migrate" && *t == Tool::GolangMigrate))
    }

    /// The table where the tool keeps its history.
    pub fn table(self) -> &'static str {
        match self {
            Tool::Diesel => "__diesel_schema_migrations",
            Tool::GolangMigrate | Tool::Dbmate => "schema_migrations",
            Tool::Goose => "goose_db_version",
            Tool::Flyway => "flyway_schema_history",
            Tool::Prisma => "_prisma_migrations",
        }
    }

    /// The history as rows of (version or name, state, kind): state 1 applied, 0 failed
    /// partway, 2 undone; kind is Flyway's `type`.
    fn history_sql(self, dialect: Dialect) -> String {
        let text = |e: &str| match dialect {
            Dialect::Mysql => format!("CAST({e} AS CHAR)"),
            _ => format!("CAST({e} AS TEXT)"),
        };
        let int = |e: &str| match dialect {
            Dialect::Mysql => format!("CAST({e} AS SIGNED)"),
            _ => format!("CAST({e} AS BIGINT)"),
        };
        let (version, state, kind, order) = match self {
            Tool::Diesel | Tool::Dbmate => ("version", "1", "''", "version"),
            Tool::GolangMigrate => ("version", "CASE WHEN dirty THEN 0 ELSE 1 END", "''", "version"),
            Tool::Goose => ("version_id", "CASE WHEN is_applied THEN 1 ELSE 2 END", "''", "id"),
            Tool::Flyway => {
                ("COALESCE(version, '')", "CASE WHEN success THEN 1 ELSE 0 END", "type", "installed_rank")
            }
            Tool::Prisma => (
                "migration_name",
                "CASE WHEN rolled_back_at IS NOT NULL THEN 2 WHEN finished_at IS NULL THEN 0 ELSE 1 END",
                "''",
                "started_at",
            ),
        };
        format!(
            "SELECT {}, {}, {} FROM {} ORDER BY {order}",
            text(version),
            int(state),
            text(kind),
            self.table()
        )
    }

    /// Whether `recorded` (as the tool's table holds it) names migration `m`.
    fn names(self, recorded: &str, m: &Migration) -> bool {
        match self {
            // diesel records its folder's version with the dashes taken out, as strata reads it.
            Tool::Diesel | Tool::Dbmate => recorded == m.version_text,
            Tool::GolangMigrate | Tool::Goose | Tool::Flyway => {
                recorded.trim().parse::<i64>() == Ok(m.version)
            }
            // Prisma records the folder's name.
            Tool::Prisma => recorded.split('_').next() == Some(m.version_text),
        }
    }
}

impl std::fmt::Display for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What another tool's history table says, read as that tool reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Recorded {
    /// The versions (or Prisma's names) it records as applied, in its order.
    pub(crate) applied: Vec<String>,
    /// Every version up to and including this one is applied (golang-migrate's one row,
    /// Flyway's baseline).
    pub(crate) through: Option<String>,
    /// A migration it records as failed partway (golang-migrate's `dirty`, Flyway's
    /// `success = false`, Prisma's unfinished row).
    pub(crate) failed: Option<String>,
}

impl Recorded {
    pub(crate) fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.through.is_none() && self.failed.is_none()
    }
}

/// Folds the rows of [`Tool::history_sql`] as the tool itself reads its history.
pub(crate) fn fold(tool: Tool, rows: Vec<(String, i64, String)>) -> Recorded {
    let mut r = Recorded::default();
    for (version, state, kind) in rows {
        let version = version.trim().to_owned();
        match (tool, state) {
            // goose's first row, written when it makes its table, is version 0.
            (Tool::Goose, _) if version == "0" => {}
            (Tool::GolangMigrate, _) if version == "-1" => {}
            (Tool::GolangMigrate, 1) => r.through = Some(version),
            (Tool::Flyway, _) => match kind.as_str() {
                "SCHEMA" => {}
                _ if version.is_empty() => {} // a repeatable script: no version to record
                // `baselineOnMigrate`'s row, and a `B<n>__` baseline script's: everything up to
                // it is in.
                "BASELINE" | "SQL_BASELINE" | "JDBC_BASELINE" if state == 1 => r.through = Some(version),
                "UNDO_SQL" | "UNDO_JDBC" | "UNDO_SCRIPT" | "DELETE" if state == 1 => {
                    r.applied.retain(|v| *v != version)
                }
                _ if state == 1 => r.applied.push(version),
                _ => r.failed = Some(version),
            },
            // A rolled-back row says nothing of the name's other rows (Prisma applies it anew in
            // a row of its own): the rows are read without their order.
            (Tool::Prisma, 2) => {}
            (_, 1) => {
                if !r.applied.contains(&version) {
                    r.applied.push(version);
                }
            }
            (_, 2) => r.applied.retain(|v| *v != version),
            _ => r.failed = Some(version),
        }
    }
    r
}

/// What [`Migrator::adopt`] found and recorded.
#[derive(Debug, Clone)]
pub struct Adoption {
    /// The tool whose history was read.
    pub tool: Tool,
    /// The migrations recorded in strata's history (and the version the database is at).
    pub report: Report,
    /// Where the database differed from the replay at that version, when adopted anyway
    /// (`force`); empty otherwise.
    pub differences: Vec<String>,
}

impl Migrator {
    /// The tools whose history table this database holds with something recorded in it,
    /// golang-migrate's and dbmate's told apart by golang-migrate's `dirty` column.
    pub async fn foreign_histories<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Vec<Tool>, MigrateError> {
        let mut conn = pool.acquire().await.map_err(MigrateError::Connect)?;
        let found = self.foreign_records::<DB>(&mut conn).await?;
        Ok(found.into_iter().filter(|(_, r)| !r.is_empty()).map(|(t, _)| t).collect())
    }

    /// Takes over a database that `from` (or the one tool whose history it holds) migrated:
    /// reads that tool's history, finds the migrations it records as applied (which must be
    /// the first ones of this binary, in order), proves that the live schema is what they make
    /// (as [`stamp`](Migrator::stamp) is proven), and records them in strata's history, so that
    /// `status` is right and `run` carries on from there. The other tool's table is left as it
    /// is. With `force`, the differences are returned rather than refused.
    ///
    /// Refused when strata's history already records a migration: there is nothing to adopt.
    pub async fn adopt<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        from: Option<Tool>,
        force: bool,
    ) -> Result<Adoption, MigrateError> {
        let (mut conn, applied) = self.open(pool).await?;
        let result = async {
            if let Some(a) = applied.first() {
                return Err(MigrateError::AlreadyAdopted {
                    table: self.table.to_owned(),
                    version: a.version,
                    description: a.description.clone(),
                });
            }
            let records = self.foreign_records::<DB>(&mut conn).await?;
            let present: Vec<Tool> = records.iter().map(|(t, _)| *t).collect();
            // A tool's table that records nothing does not compete with one that does.
            let recording: Vec<Tool> =
                records.iter().filter(|(_, r)| !r.is_empty()).map(|(t, _)| *t).collect();
            let tool = match from {
                Some(t) if present.contains(&t) => t,
                Some(t) => return Err(MigrateError::NoForeignHistory { tools: vec![t] }),
                None => match (recording.as_slice(), present.as_slice()) {
                    (_, []) => return Err(MigrateError::NoForeignHistory { tools: Tool::ALL.to_vec() }),
                    ([t], _) | ([], [t]) => *t,
                    ([], several) | (several, _) => {
                        return Err(MigrateError::SeveralForeignHistories { tools: several.to_vec() });
                    }
                },
            };
            let recorded = records.into_iter().find(|(t, _)| *t == tool).map(|(_, r)| r).unwrap_or_default();
            self.adopt_on::<DB>(&mut conn, tool, &recorded, force).await
        }
        .await;
        self.close::<DB, _>(&mut conn, result).await
    }

    /// Each tool whose table this database has, with what that table records (maybe nothing).
    async fn foreign_records<DB: Backend>(
        &self,
        conn: &mut DB::Connection,
    ) -> Result<Vec<(Tool, Recorded)>, MigrateError> {
        let mut out = Vec::new();
        for tool in foreign_tools::<DB>(conn).await.map_err(|e| self.history(e))? {
            out.push((tool, self.read_foreign::<DB>(conn, tool).await?));
        }
        Ok(out)
    }

    /// The history `tool` keeps in this database.
    async fn read_foreign<DB: Backend>(
        &self,
        conn: &mut DB::Connection,
        tool: Tool,
    ) -> Result<Recorded, MigrateError> {
        let rows = DB::rows(conn, &tool.history_sql(DB::DIALECT))
            .await
            .map_err(|source| MigrateError::History { table: tool.table().to_owned(), source })?;
        Ok(fold(tool, rows))
    }

    /// [`adopt`](Migrator::adopt) of what `tool` recorded, on a connection that holds the lock
    /// and whose strata history is empty.
    async fn adopt_on<DB: Backend>(
        &self,
        conn: &mut sqlx::pool::PoolConnection<DB>,
        tool: Tool,
        recorded: &Recorded,
        force: bool,
    ) -> Result<Adoption, MigrateError> {
        let upto = self.adopted_prefix(tool, recorded)?;
        let version = upto.map(|k| self.migrations[k].version);
        let expected = self.managed(super::verify::replay(
            self,
            DB::DIALECT,
            self.migrations.iter().take(upto.map_or(0, |k| k + 1)),
        )?);
        let actual = self.live_on(conn).await?;
        let differences: Vec<String> = strata_schema::diff::reported(strata_schema::diff::compare_schemas(
            DB::DIALECT,
            &strata_schema::diff::MIGRATIONS_VS_DATABASE,
            &expected,
            &actual,
        ))
        .into_iter()
        .map(|d| d.message)
        .collect();
        if !differences.is_empty() && !force {
            return Err(MigrateError::AdoptDiffers {
                tool,
                at: upto.map_or("base".to_owned(), |k| self.migrations[k].name()),
                differences,
            });
        }
        let mine = &self.migrations[..upto.map_or(0, |k| k + 1)];
        let sql: Vec<String> = mine.iter().map(|m| record_sql(DB::DIALECT, self.table, m)).collect();
        self.record::<DB>(conn, &sql).await?;
        let applied = mine
            .iter()
            .map(|m| Step { version: m.version, name: m.name(), took: std::time::Duration::ZERO })
            .collect();
        tracing::info!(
            target: "strata::migrate",
            tool = tool.name(),
            at = upto.map(|k| self.migrations[k].name()),
            recorded = mine.len(),
            "adopted the history of {tool}"
        );
        Ok(Adoption {
            tool,
            report: Report { applied, reverted: Vec::new(), at: version, stored: Vec::new() },
            differences,
        })
    }

    /// The position of the newest migration `recorded` holds, when what it holds is this
    /// binary's first migrations, in order; `None` when it holds none.
    fn adopted_prefix(&self, tool: Tool, recorded: &Recorded) -> Result<Option<usize>, MigrateError> {
        if let Some(v) = &recorded.failed {
            return Err(MigrateError::ForeignFailed { tool, version: v.clone() });
        }
        let position = |v: &str| -> Result<usize, MigrateError> {
            self.migrations
                .iter()
                .position(|m| tool.names(v, m))
                .ok_or_else(|| MigrateError::ForeignUnknown { tool, version: v.to_owned() })
        };
        let mut done: HashSet<usize> = HashSet::new();
        if let Some(v) = &recorded.through {
            done.extend(0..=position(v)?);
        }
        for v in &recorded.applied {
            done.insert(position(v)?);
        }
        let Some(&last) = done.iter().max() else { return Ok(None) };
        if let Some(gap) = (0..last).find(|i| !done.contains(i)) {
            return Err(MigrateError::ForeignGap {
                tool,
                missing: self.migrations[gap].name(),
                newest: self.migrations[last].name(),
            });
        }
        Ok(Some(last))
    }

    /// Under [`adopting`](Migrator::adopting), before the check at start-up: takes over another
    /// tool's history when strata's is empty. `true` when it did.
    pub(crate) async fn adopt_asked<DB: Backend>(&self, pool: &Pool<DB>) -> Result<bool, MigrateError> {
        let (mut conn, applied) = self.open(pool).await?;
        let result = async {
            if !applied.is_empty() {
                return Ok(false);
            }
            self.refuse_foreign::<DB>(&mut conn).await
        }
        .await;
        self.close::<DB, _>(&mut conn, result).await
    }

    /// Before a run on a database whose strata history is empty: another tool's history that
    /// records migrations means the database is not at base, and running the first migration
    /// would fail on what it finds (or worse, succeed on part of it).
    /// With [`adopting`](Migrator::adopting), the history is taken over instead (and `true`
    /// returned) when exactly one tool's records migrations.
    pub(crate) async fn refuse_foreign<DB: Backend>(
        &self,
        conn: &mut sqlx::pool::PoolConnection<DB>,
    ) -> Result<bool, MigrateError> {
        let mut found = self.foreign_records::<DB>(conn).await?;
        found.retain(|(_, r)| !r.is_empty());
        match found.as_slice() {
            [] => Ok(false),
            [(tool, recorded)] if self.adopting => {
                self.adopt_on::<DB>(conn, *tool, recorded, false).await.map(|_| true)
            }
            [(tool, _)] => Err(MigrateError::ForeignHistory { tool: *tool }),
            several => {
                Err(MigrateError::SeveralForeignHistories { tools: several.iter().map(|f| f.0).collect() })
            }
        }
    }
}

/// The tools whose table this database has (where an unqualified name finds it).
async fn foreign_tools<DB: Backend>(conn: &mut DB::Connection) -> Result<Vec<Tool>, sqlx::Error> {
    let mut found = Vec::new();
    for tool in Tool::ALL {
        if tool == Tool::Dbmate {
            continue; // told apart from golang-migrate's below
        }
        if !DB::has_table(conn, tool.table()).await? {
            continue;
        }
        if tool == Tool::GolangMigrate {
            let dirty = DB::rows(conn, &has_column_sql(DB::DIALECT, "schema_migrations", "dirty")).await?;
            found.push(if dirty.is_empty() { Tool::Dbmate } else { Tool::GolangMigrate });
        } else {
            found.push(tool);
        }
    }
    Ok(found)
}

/// A row when `table` has `column`, none otherwise (in the shape [`Backend::rows`] reads).
fn has_column_sql(dialect: Dialect, table: &str, column: &str) -> String {
    match dialect {
        Dialect::Sqlite => {
            format!("SELECT name, 0, '' FROM pragma_table_info('{table}') WHERE name = '{column}'")
        }
        Dialect::Postgres => format!(
            "SELECT CAST(column_name AS TEXT), CAST(0 AS BIGINT), CAST('' AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' AND column_name = '{column}'"
        ),
        Dialect::Mysql => format!(
            "SELECT CAST(column_name AS CHAR), CAST(0 AS SIGNED), CAST('' AS CHAR) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{table}' AND column_name = '{column}'"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{Recorded, Tool, fold};

    fn rows(r: &[(&str, i64, &str)]) -> Vec<(String, i64, String)> {
        r.iter().map(|(v, s, k)| ((*v).to_owned(), *s, (*k).to_owned())).collect()
    }

    #[test]
    fn each_tool_reads_its_history_as_the_tool_does() {
        // goose: the newest row of a version says where it stands; 0 is goose's own.
        let goose = fold(Tool::Goose, rows(&[("0", 1, ""), ("1", 1, ""), ("2", 1, ""), ("2", 2, "")]));
        assert_eq!(goose, Recorded { applied: vec!["1".into()], ..Recorded::default() });
        // golang-migrate: one row, the version; dirty is a failure; -1 is none.
        let at = fold(Tool::GolangMigrate, rows(&[("7", 1, "")]));
        assert_eq!(at.through.as_deref(), Some("7"));
        assert_eq!(fold(Tool::GolangMigrate, rows(&[("7", 0, "")])).failed.as_deref(), Some("7"));
        assert!(fold(Tool::GolangMigrate, rows(&[("-1", 1, "")])).is_empty());
        // Flyway: baseline, scripts, undo, failures, repeatables.
        let flyway = fold(
            Tool::Flyway,
            rows(&[
                ("", 1, "SCHEMA"),
                ("1", 1, "BASELINE"),
                ("2", 1, "SQL"),
                ("3", 1, "SQL"),
                ("3", 1, "UNDO_SQL"),
                ("", 1, "SQL"),
            ]),
        );
        assert_eq!(flyway, Recorded { applied: vec!["2".into()], through: Some("1".into()), failed: None });
        let baseline_script = fold(Tool::Flyway, rows(&[("3", 1, "SQL_BASELINE"), ("4", 1, "SQL")]));
        assert_eq!(baseline_script.through.as_deref(), Some("3"));
        assert_eq!(fold(Tool::Flyway, rows(&[("4", 0, "SQL")])).failed.as_deref(), Some("4"));
        // Prisma: rolled back rows do not count; an unfinished one is a failure.
        let prisma = fold(Tool::Prisma, rows(&[("1_a", 1, ""), ("2_b", 1, ""), ("2_b", 2, "")]));
        assert_eq!(prisma.applied, vec!["1_a".to_owned(), "2_b".to_owned()]);
        assert_eq!(fold(Tool::Prisma, rows(&[("1_a", 0, "")])).failed.as_deref(), Some("1_a"));
        // diesel and dbmate: a row per version.
        assert_eq!(
            fold(Tool::Diesel, rows(&[("00000000000000", 1, ""), ("20240101", 1, "")])).applied.len(),
            2
        );
    }

    #[test]
    fn tools_are_named_as_users_name_them() {
        for t in Tool::ALL {
            assert_eq!(Tool::parse(t.name()), Some(t));
        }
        assert_eq!(Tool::parse("migrate"), Some(Tool::GolangMigrate));
        assert_eq!(Tool::parse("Flyway"), Some(Tool::Flyway));
        assert_eq!(Tool::parse("alembic"), None);
    }
}
