//! Migrations that stopped partway (MySQL, `-- no-transaction` on PostgreSQL): carrying them on,
//! deciding about the statement that was running when a run stopped, and recording what a person
//! did about one by hand.

use sqlx::Pool;
use sqlx::pool::PoolConnection;
use strata_schema::migrations::StatementsChecksum;

use super::backend::{Partial, progress_table, quoted};
use super::progress::Record;
use super::{Applied, Backend, MigrateError, Migration, Migrator};

/// What `strata mark` records of a migration that stopped partway, after a person looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// It is in the database as a whole: applied (its down undone by hand, if it was reverting).
    Done,
    /// None of it is in the database: not applied (finished reverting by hand, or its statements
    /// undone by hand).
    Undone,
    /// Its first N statements are in (of the file that was running: the down file while
    /// reverting); the next run carries on from statement N + 1.
    Through(usize),
}

impl Partial {
    /// `statements 1–3 of 7 are in; statement 4 failed: ...`, for `status`.
    pub fn describe(&self) -> String {
        let total = self.statements;
        let file = if self.reverting { " of its down file" } else { "" };
        let mut out = match self.done {
            0 => format!("none of its {total} statements{file} is in"),
            d => format!("statements 1–{d} of {total}{file} are in"),
        };
        if let Some(r) = self.running {
            out.push_str(&format!(
                "; statement {r} was running when the run stopped (the next run looks whether it is in)"
            ));
        }
        if let Some((f, error)) = &self.failed {
            out.push_str(&format!("; statement {f} failed: {error}"));
        }
        out
    }
}

impl Migrator {
    /// The SQL a partial run of `m` runs: its down file when reverting.
    fn partial_sql(m: &Migration, reverting: bool) -> &'static str {
        if reverting { m.down.unwrap_or("") } else { m.up }
    }

    /// Before carrying on with `m`, which stopped partway as `p` says: the statements that are in
    /// must be the file's own still, and the one that was running when the run stopped must be
    /// found in or not in. Records what was found.
    pub(crate) async fn prepare_resume<DB: Backend>(
        &self,
        conn: &mut PoolConnection<DB>,
        m: &Migration,
        p: &Partial,
        applied: &[Applied],
    ) -> Result<(), MigrateError> {
        let sql = Self::partial_sql(m, p.reverting);
        let statements = strata_schema::replay::statements(DB::DIALECT, sql);
        let done = p.done.min(statements.len());
        if p.done > statements.len()
            || StatementsChecksum::of_first(DB::DIALECT, sql, done)[..] != p.checksum[..]
        {
            return Err(MigrateError::ChangedInPart { name: m.name(), done: p.done, reverting: p.reverting });
        }
        let Some(running) = p.running else { return Ok(()) };
        let undecided = |why: &str| MigrateError::Undecided {
            name: m.name(),
            version: m.version,
            reverting: p.reverting,
            statement: running,
            why: why.to_owned(),
        };
        if running != done + 1 || running > statements.len() {
            return Err(undecided("the record of it does not fit the file"));
        }
        // The schema with the statements before it, and with it, against the live one.
        let mut before = strata_schema::Schema::default();
        let history = self.migrations.iter().filter(|x| {
            applied.iter().any(|a| a.version == x.version) && (p.reverting || x.version != m.version)
        });
        for x in history {
            self.replay_up(DB::DIALECT, &mut before, x).map_err(MigrateError::Replay)?;
        }
        let spans = strata_schema::replay::statement_spans(DB::DIALECT, sql);
        let path = std::path::PathBuf::from(m.name());
        let prefix = |n: usize| spans.get(n.wrapping_sub(1)).map_or("", |r| &sql[..r.end]);
        let mut after = before.clone();
        let replay = |schema: &mut strata_schema::Schema, text: &str| {
            strata_schema::replay::apply_sql(DB::DIALECT, schema, &path, text).map_err(MigrateError::Replay)
        };
        replay(&mut before, prefix(done))?;
        replay(&mut after, prefix(running))?;
        before.normalize(DB::DIALECT);
        after.normalize(DB::DIALECT);
        let (before, after) = (self.managed(before), self.managed(after));
        let live = self.live_on(conn).await?;
        let same = |expected: &strata_schema::Schema| {
            use strata_schema::diff::{self, MIGRATIONS_VS_DATABASE};
            diff::reported(diff::compare_schemas(DB::DIALECT, &MIGRATIONS_VS_DATABASE, expected, &live))
                .is_empty()
        };
        let now = match (same(&before), same(&after)) {
            (true, false) => done,
            (false, true) => running,
            (true, true) => return Err(undecided("it changes nothing strata can see in the schema")),
            (false, false) => {
                return Err(undecided("the database matches the migration neither with it nor without it"));
            }
        };
        self.record_through::<DB>(conn, m, p.reverting, now).await
    }

    async fn record_through<DB: Backend>(
        &self,
        conn: &mut PoolConnection<DB>,
        m: &Migration,
        reverting: bool,
        n: usize,
    ) -> Result<(), MigrateError> {
        let texts = strata_schema::replay::statements(DB::DIALECT, Self::partial_sql(m, reverting));
        let r = Record::new(DB::DIALECT, self.table, m.version);
        DB::execute(conn, &r.done(n, &super::progress::sum_of(&texts, n))).await.map_err(|e| self.history(e))
    }

    /// Records what a person found or did about a migration that stopped partway (see [`Mark`]),
    /// under the migration lock. What `strata mark` does.
    pub async fn mark<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        version: i64,
        mark: Mark,
    ) -> Result<(), MigrateError> {
        let m = self.find(version).ok_or(MigrateError::UnknownTarget(version))?;
        let (mut conn, applied) = self.open(pool).await?;
        let result = async {
            let partials = DB::partials(&mut conn, self.table).await.map_err(|e| self.history(e))?;
            let partial = partials.iter().find(|p| p.version == version);
            let half = applied.iter().any(|a| a.version == version && !a.success);
            if !half {
                return Err(MigrateError::NotHalfDone { name: m.name() });
            }
            let t = quoted(DB::DIALECT, self.table);
            let mut sql = vec![match mark {
                Mark::Done => {
                    let done = format!(
                        "UPDATE {t} SET success = TRUE, checksum = {} WHERE version = {version};",
                        super::backend::checksum_literal(DB::DIALECT, &m.sqlx_checksum)
                    );
                    match super::backend::store_down_sql(DB::DIALECT, self.table, m, None) {
                        Some(store) => format!("{done}\n{store};"),
                        None => done,
                    }
                }
                Mark::Undone => super::backend::forget_sql(DB::DIALECT, self.table, m),
                Mark::Through(n) => {
                    let Some(p) = partial else { return Err(MigrateError::NotHalfDone { name: m.name() }) };
                    let total =
                        strata_schema::replay::statements(DB::DIALECT, Self::partial_sql(m, p.reverting))
                            .len();
                    if n > total {
                        return Err(MigrateError::NoSuchStatement { name: m.name(), statement: n, total });
                    }
                    return self.record_through::<DB>(&mut conn, m, p.reverting, n).await;
                }
            }];
            if partial.is_some() {
                sql.push(format!(
                    "DELETE FROM {} WHERE version = {version};",
                    quoted(DB::DIALECT, &progress_table(self.table))
                ));
            }
            self.record::<DB>(&mut conn, &sql).await
        }
        .await;
        self.close::<DB, _>(&mut conn, result).await
    }
}
