//! The record of a migration that runs statement by statement outside a transaction (every
//! migration on MySQL, `-- no-transaction` ones on PostgreSQL): `<history>_progress` holds, while
//! it runs and after it stops partway, how many of its statements are in. The SQL of that
//! record for each database, and the steps every such run shares.

// SQLite runs every migration in a transaction, or runs a script that holds its own.
#![cfg_attr(not(any(feature = "mysql", feature = "postgres")), allow(dead_code))]

use strata_schema::Dialect;
use strata_schema::migrations::StatementsChecksum;

use super::Migration;
use super::backend::{Backend, Partial, RunError, progress_table, quoted};

/// The progress table: one row per migration that is running or stopped partway, removed in
/// the transaction that records the migration as done (or as reverted).
pub(crate) fn create_sql(dialect: Dialect, table: &str) -> String {
    let bytes = if dialect == Dialect::Postgres { "BYTEA" } else { "BLOB" };
    format!(
        "CREATE TABLE IF NOT EXISTS {} (
    version BIGINT PRIMARY KEY,
    reverting BOOLEAN NOT NULL,
    done BIGINT NOT NULL,
    running BIGINT NULL,
    failed BIGINT NULL,
    error TEXT NULL,
    checksum {bytes} NOT NULL
)",
        quoted(dialect, &progress_table(table))
    )
}

/// A row of [`partials_sql`].
pub(crate) type Row = (i64, bool, i64, Option<i64>, Option<i64>, Option<String>, Vec<u8>);

pub(crate) fn partials_sql(dialect: Dialect, table: &str) -> String {
    let error = if dialect == Dialect::Mysql { "CAST(error AS CHAR)" } else { "error" };
    format!(
        "SELECT version, reverting, done, running, failed, {error}, checksum FROM {} ORDER BY version",
        quoted(dialect, &progress_table(table))
    )
}

pub(crate) fn partial((version, reverting, done, running, failed, error, checksum): Row) -> Partial {
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    Partial {
        version,
        reverting,
        done: count(done),
        running: running.map(count),
        failed: failed.map(|f| (count(f), error.unwrap_or_default())),
        checksum,
        statements: 0,
    }
}

/// The statements that keep the record of one migration's run: its row in the history and in
/// the progress table.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    dialect: Dialect,
    /// The history table, as named and quoted.
    table: String,
    t: String,
    /// The progress table, quoted.
    p: String,
    version: i64,
    /// The fingerprint of the schema after the migration's up, kept with its down.
    pub(crate) fingerprint: Option<[u8; 48]>,
}

impl Record {
    pub(crate) fn new(dialect: Dialect, table: &str, version: i64) -> Self {
        Record {
            dialect,
            table: table.to_owned(),
            t: quoted(dialect, table),
            p: quoted(dialect, &progress_table(table)),
            version,
            fingerprint: None,
        }
    }

    fn bytes(&self, b: &[u8]) -> String {
        super::backend::checksum_literal(self.dialect, b)
    }

    /// `text` as a string literal of the database (MySQL reads backslashes as escapes).
    fn text(&self, text: &str) -> String {
        super::backend::text_literal(self.dialect, text)
    }

    /// What records that a run of `m` (its down when `reverting`) begins: the history says it
    /// did not succeed (yet), and the progress table has its row.
    pub(crate) fn begin(&self, m: &Migration, reverting: bool) -> Vec<String> {
        let history = if reverting {
            format!("UPDATE {} SET success = FALSE WHERE version = {}", self.t, self.version)
        } else {
            format!(
                "INSERT INTO {} (version, description, success, checksum, execution_time) VALUES ({}, {}, FALSE, {}, -1)",
                self.t,
                self.version,
                self.text(m.description),
                self.bytes(&m.sqlx_checksum)
            )
        };
        vec![history, self.start(reverting)]
    }

    /// What puts the history back as before a run of which nothing is in: the migration not
    /// applied (up), or applied still (down).
    pub(crate) fn forget(&self, reverting: bool) -> String {
        if reverting {
            format!("UPDATE {} SET success = TRUE WHERE version = {}", self.t, self.version)
        } else {
            format!("DELETE FROM {} WHERE version = {}", self.t, self.version)
        }
    }

    /// The history once every statement is in: `m` applied, having taken `took` (up), or gone
    /// (down).
    pub(crate) fn ended(&self, m: &Migration, reverting: bool, took: std::time::Duration) -> String {
        if reverting {
            format!(
                "DELETE FROM {} WHERE {};\n{}",
                self.t,
                super::backend::rows_of(m),
                super::backend::forget_down_sql(self.dialect, &self.table, m)
            )
        } else {
            let ended = format!(
                "UPDATE {} SET success = TRUE, checksum = {}, execution_time = {} WHERE version = {}",
                self.t,
                self.bytes(&m.sqlx_checksum),
                i64::try_from(took.as_nanos()).unwrap_or(i64::MAX),
                self.version
            );
            match super::backend::store_down_sql(
                self.dialect,
                &self.table,
                m,
                self.fingerprint.as_ref().map(|f| &f[..]),
            ) {
                Some(store) => format!("{ended};\n{store}"),
                None => ended,
            }
        }
    }

    /// How many statements of the migration are in, when a run of it stopped partway: one text
    /// for every migration, the version and the direction bound (`version`, `reverting`). A text
    /// per migration was a new prepared statement each time; once sqlx's statement cache was
    /// full, each closed an old one with a command the server does not answer, and the next
    /// query waited out TCP's delayed acknowledgement (40 ms a migration on MariaDB).
    pub(crate) fn resumed_sql(&self) -> String {
        let (version, reverting) = if self.dialect == Dialect::Postgres { ("$1", "$2") } else { ("?", "?") };
        format!("SELECT done FROM {} WHERE version = {version} AND reverting = {reverting}", self.p)
    }

    pub(crate) fn version(&self) -> i64 {
        self.version
    }

    pub(crate) fn start(&self, reverting: bool) -> String {
        format!(
            "INSERT INTO {} (version, reverting, done, checksum) VALUES ({}, {reverting}, 0, {})",
            self.p,
            self.version,
            self.bytes(&StatementsChecksum::default().value())
        )
    }

    pub(crate) fn end(&self) -> String {
        format!("DELETE FROM {} WHERE version = {}", self.p, self.version)
    }

    /// Statement `statement` (1-based) is being sent and commits on its own.
    pub(crate) fn running(&self, statement: usize) -> String {
        format!("UPDATE {} SET running = {statement} WHERE version = {}", self.p, self.version)
    }

    /// The first `n` statements are in; `sum` is their checksum.
    pub(crate) fn done(&self, n: usize, sum: &StatementsChecksum) -> String {
        self.done_then(n, sum, None)
    }

    /// The first `n` statements are in, and statement `running` (1-based), if any, is being sent
    /// next and commits on its own: both in one write.
    pub(crate) fn done_then(&self, n: usize, sum: &StatementsChecksum, running: Option<usize>) -> String {
        let running = running.map_or("NULL".to_owned(), |r| r.to_string());
        format!(
            "UPDATE {} SET done = {n}, running = {running}, failed = NULL, error = NULL, checksum = {} WHERE version = {}",
            self.p,
            self.bytes(&sum.value()),
            self.version
        )
    }

    /// Statement `statement` (1-based) was refused with `message`.
    pub(crate) fn failed(&self, statement: usize, message: &str) -> String {
        let text: String = message.chars().filter(|c| !c.is_control() || *c == '\n').take(2000).collect();
        format!(
            "UPDATE {} SET running = NULL, failed = {statement}, error = {} WHERE version = {}",
            self.p,
            self.text(&text),
            self.version
        )
    }

    /// Statements of the history, in one transaction.
    pub(crate) fn transaction(&self, statements: &[&str]) -> String {
        super::backend::transaction(self.dialect, statements)
    }
}

/// Runs the data step at a `-- strata:rust` line (`text`) in a transaction with `done`, the
/// record that it is in: all of it, or none (what it ran is rolled back with it).
pub(crate) async fn run_data<DB: Backend>(
    conn: &mut DB::Connection,
    text: &str,
    data: Option<&super::DataStep>,
    done: &str,
) -> Result<(), sqlx::Error> {
    let Some(step) = data else {
        return Err(sqlx::Error::InvalidArgument(format!(
            "`{}` runs Rust code this binary does not carry",
            text.trim()
        )));
    };
    let begin = if DB::DIALECT == Dialect::Mysql { "START TRANSACTION" } else { "BEGIN" };
    DB::execute(conn, begin).await?;
    let ran = async {
        DB::data(conn, step).await?;
        DB::execute(conn, done).await
    }
    .await;
    match ran {
        Ok(()) => DB::execute(conn, "COMMIT").await,
        Err(e) => {
            let _ = DB::execute(conn, "ROLLBACK").await;
            Err(e)
        }
    }
}

/// The checksum of the first `n` of `texts`.
pub(crate) fn sum_of(texts: &[&str], n: usize) -> StatementsChecksum {
    let mut sum = StatementsChecksum::default();
    for s in &texts[..n.min(texts.len())] {
        sum.push(s);
    }
    sum
}

/// What a run does when statement `failed` (0-based) stops it, the first `committed` being in:
/// a statement the database refused is not in, and is recorded as failed, with the database's
/// words, for the next run and `status`; when nothing at all is in, the run is forgotten
/// (`forget`: the history as it was before). A lost connection is left as the record says.
pub(crate) async fn stop<DB: Backend>(
    conn: &mut DB::Connection,
    r: &Record,
    failed: usize,
    committed: usize,
    source: sqlx::Error,
    forget: &str,
) -> RunError {
    // What the database refused, or a data step's own failure.
    let said = match &source {
        sqlx::Error::InvalidArgument(m) => Some(m.clone()),
        other => other.as_database_error().map(|d| d.message().to_owned()),
    };
    if let Some(message) = said {
        let record =
            if committed == 0 { r.transaction(&[&r.end(), forget]) } else { r.failed(failed + 1, &message) };
        let _ = DB::execute(conn, &record).await;
        return RunError { source, statement: Some(failed), committed: (committed > 0).then_some(committed) };
    }
    RunError { source, statement: Some(failed), committed: Some(committed) }
}

/// Records the end of a run whose statements (of `sql`) are all in: `history` (the migration
/// applied, or reverted) and the progress row gone, in one transaction. Should that fail, the
/// error says that every statement is in and only the record is missing, which the next run
/// writes.
pub(crate) async fn finish<DB: Backend>(
    conn: &mut DB::Connection,
    r: &Record,
    sql: &str,
    history: &str,
) -> Result<(), RunError> {
    DB::execute(conn, &r.transaction(&[history, &r.end()])).await.map_err(|source| {
        let all = strata_schema::replay::statements(DB::DIALECT, sql).len();
        RunError { source, statement: Some(all), committed: Some(all) }
    })
}

/// PostgreSQL: the timeouts set aside (kept in settings of strata's own) for a statement that
/// runs outside any transaction.
const UNLIMITED: &str = "SELECT set_config('strata.lock_timeout', current_setting('lock_timeout'), false), \
     set_config('strata.statement_timeout', current_setting('statement_timeout'), false); \
     SET lock_timeout = 0; SET statement_timeout = 0";

/// PostgreSQL: the timeouts [`UNLIMITED`] set aside, back.
const LIMITED: &str = "SELECT set_config('lock_timeout', current_setting('strata.lock_timeout'), false), \
     set_config('statement_timeout', current_setting('strata.statement_timeout'), false)";

/// Runs the statements of `sql` from the `from`th on (0-based), one at a time, each in a
/// transaction of its own with the record that it is in; a statement that refuses to run in a
/// transaction (SQLSTATE 25001: PostgreSQL's `CREATE INDEX CONCURRENTLY`, `VACUUM`) runs on its
/// own, recorded as running before it is sent and as in after. For migrations that must not run
/// in one transaction as a whole (`-- no-transaction`).
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) async fn run_one_by_one<DB: Backend>(
    conn: &mut DB::Connection,
    r: &Record,
    sql: &str,
    data: Option<&super::DataStep>,
    from: usize,
    forget: &str,
) -> Result<(), RunError> {
    let texts = strata_schema::replay::statements(DB::DIALECT, sql);
    let mut sum = sum_of(&texts, from);
    for (i, text) in texts.iter().enumerate().skip(from) {
        let lost = |source| RunError { source, statement: Some(i), committed: Some(i) };
        let mut after = sum.clone();
        after.push(text);
        let done = r.done(i + 1, &after);
        if strata_schema::replay::is_rust_step(text) {
            if let Err(source) = run_data::<DB>(conn, text, data, &done).await {
                return Err(stop::<DB>(conn, r, i, i, source, forget).await);
            }
            sum = after;
            continue;
        }
        if let Err(source) = DB::execute(conn, &r.transaction(&[text, &done])).await {
            let _ = DB::execute(conn, "ROLLBACK").await;
            let refuses = source.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "25001");
            if !refuses {
                return Err(stop::<DB>(conn, r, i, i, source, forget).await);
            }
            DB::execute(conn, &r.running(i + 1)).await.map_err(lost)?;
            // Such a statement (`CREATE INDEX CONCURRENTLY`) takes no lock that holds up the
            // traffic, and one cancelled by a timeout leaves an invalid index behind: it runs
            // with neither timeout, and the migration's own after it.
            if DB::DIALECT == Dialect::Postgres {
                DB::execute(conn, UNLIMITED).await.map_err(lost)?;
            }
            let ran = DB::execute(conn, text).await;
            if DB::DIALECT == Dialect::Postgres {
                DB::execute(conn, LIMITED).await.map_err(lost)?;
            }
            if let Err(source) = ran {
                return Err(stop::<DB>(conn, r, i, i, source, forget).await);
            }
            DB::execute(conn, &done).await.map_err(lost)?;
        }
        sum = after;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_message_is_a_literal_of_each_database() {
        let r = Record::new(Dialect::Mysql, "_sqlx_migrations", 3);
        assert!(
            r.failed(2, "it's a \\ bad\u{0} one").ends_with(
                "SET running = NULL, failed = 2, error = 'it''s a \\\\ bad one' WHERE version = 3"
            ),
            "{}",
            r.failed(2, "x")
        );
        let r = Record::new(Dialect::Postgres, "_sqlx_migrations", 3);
        assert!(r.failed(2, "it's a \\ bad").contains("error = 'it''s a \\ bad'"));
        assert!(r.done(1, &StatementsChecksum::default()).contains("checksum = '\\x"));
    }
}
