//! MySQL and MariaDB: `GET_LOCK` for the run. DDL commits on its own, so a migration cannot be
//! one transaction: it runs statement by statement, and `<history>_progress` records, as it
//! goes, how many of its statements are in. A run that stops partway (a failing statement, a
//! lost connection, `kill -9`) leaves the truth behind, and the next run carries on from the
//! first statement that is not in, never running one twice.
//!
//! Statements that do not commit on their own (`INSERT`, `UPDATE`, `DELETE`, `REPLACE`, `SET`,
//! ...) run in a transaction together with the record of their progress, in groups of up to
//! [`GROUP`] bytes: they are in, and recorded, or neither. A statement that commits on its own
//! (DDL) is recorded as running before it is sent and as done after it; if the run stops in
//! between, the migrator compares the database with the replay to tell whether it is in.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, MySql, MySqlConnection};
use strata_schema::Dialect;
use strata_schema::migrations::{StatementsChecksum, hex};

use super::Migration;
use super::backend::{
    Applied, Backend, HistoryRow, Partial, RunError, create_table_sql, history_sql, lock_id, private,
    progress_table, quoted,
};

impl private::Sealed for MySql {}

/// The most bytes of statements that do not commit on their own sent and committed at once.
const GROUP: usize = 1 << 20;

async fn database_lock_id(conn: &mut MySqlConnection) -> Result<String, sqlx::Error> {
    let name: String = sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)").fetch_one(conn).await?;
    Ok(format!("{:x}", lock_id(&name)))
}

/// The progress table: one row per migration that is running or stopped partway, removed in
/// the transaction that records the migration as done (or as reverted).
pub(crate) fn create_progress_sql(table: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (
    version BIGINT PRIMARY KEY,
    reverting BOOLEAN NOT NULL,
    done INT NOT NULL,
    running INT NULL,
    failed INT NULL,
    error TEXT NULL,
    checksum BLOB NOT NULL
)",
        quoted(Dialect::Mysql, &progress_table(table))
    )
}

impl Backend for MySql {
    const DIALECT: Dialect = Dialect::Mysql;
    const SESSION_LOCK: bool = true;

    async fn lock(conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        let id = database_lock_id(conn).await?;
        // GET_LOCK answers 1 when it has the lock. MariaDB does not read a negative timeout as
        // "forever" (it returns at once), so wait a day, and check the answer.
        let got: Option<i64> =
            sqlx::query_scalar("SELECT GET_LOCK(?, 86400)").bind(&id).fetch_one(conn).await?;
        match got {
            Some(1) => Ok(()),
            _ => Err(sqlx::Error::Protocol(format!("GET_LOCK('{id}') did not grant the migration lock"))),
        }
    }

    async fn unlock(conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        let id = database_lock_id(conn).await?;
        sqlx::query("SELECT RELEASE_LOCK(?)").bind(id).execute(conn).await.map(drop)
    }

    async fn introspect(
        conn: &mut MySqlConnection,
    ) -> Result<strata_schema::Schema, crate::introspect::IntrospectError> {
        crate::introspect::introspect_mysql(conn).await
    }

    async fn ensure_table(conn: &mut MySqlConnection, table: &str) -> Result<(), sqlx::Error> {
        let sql = format!("{};\n{}", create_table_sql(Dialect::Mysql, table), create_progress_sql(table));
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop)
    }

    async fn has_table(conn: &mut MySqlConnection, table: &str) -> Result<bool, sqlx::Error> {
        let sql = super::backend::has_table_sql(Dialect::Mysql, table);
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).fetch_one(conn).await.map(|n| n > 0)
    }

    async fn applied(conn: &mut MySqlConnection, table: &str) -> Result<Vec<Applied>, sqlx::Error> {
        let rows: Vec<HistoryRow> =
            sqlx::query_as(AssertSqlSafe(history_sql(Dialect::Mysql, table))).fetch_all(conn).await?;
        Ok(rows.into_iter().map(Applied::from).collect())
    }

    async fn partials(conn: &mut MySqlConnection, table: &str) -> Result<Vec<Partial>, sqlx::Error> {
        let progress = progress_table(table);
        if !Self::has_table(conn, &progress).await? {
            return Ok(Vec::new());
        }
        type Row = (i64, bool, i64, Option<i64>, Option<i64>, Option<String>, Vec<u8>);
        let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT version, reverting, done, running, failed, CAST(error AS CHAR), checksum FROM {} ORDER BY version",
            quoted(Dialect::Mysql, &progress)
        )))
        .fetch_all(conn)
        .await?;
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        Ok(rows
            .into_iter()
            .map(|(version, reverting, done, running, failed, error, checksum)| Partial {
                version,
                reverting,
                done: count(done),
                running: running.map(count),
                failed: failed.map(|f| (count(f), error.unwrap_or_default())),
                checksum,
            })
            .collect())
    }

    async fn max_statement(conn: &mut MySqlConnection) -> Result<Option<u64>, sqlx::Error> {
        let limit: u64 = sqlx::query_scalar("SELECT @@max_allowed_packet").fetch_one(conn).await?;
        Ok(Some(limit))
    }

    async fn apply(
        conn: &mut MySqlConnection,
        table: &str,
        m: &Migration,
    ) -> Result<Option<Duration>, RunError> {
        let (t, p) = (quoted(Dialect::Mysql, table), quoted(Dialect::Mysql, &progress_table(table)));
        let from = match resumed(conn, &p, m.version, false).await? {
            Some(done) => done,
            None => {
                in_transaction(conn, async |conn| {
                    sqlx::query(AssertSqlSafe(format!(
                        "INSERT INTO {t} (version, description, success, checksum, execution_time) VALUES (?, ?, FALSE, ?, -1)"
                    )))
                    .bind(m.version)
                    .bind(m.description)
                    .bind(&m.sqlx_checksum[..])
                    .execute(&mut *conn)
                    .await?;
                    start_progress(conn, &p, m.version, false).await
                })
                .await?;
                0
            }
        };
        let start = Instant::now();
        // Should nothing of it be in, the history is as if it had never run.
        let forget = format!("DELETE FROM {t} WHERE version = {}", m.version);
        run(conn, &p, m.version, m.up, from, &forget).await?;
        let took = start.elapsed();
        in_transaction(conn, async |conn| {
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE {t} SET success = TRUE, checksum = ?, execution_time = ? WHERE version = ?"
            )))
            .bind(&m.sqlx_checksum[..])
            .bind(i64::try_from(took.as_nanos()).unwrap_or(i64::MAX))
            .bind(m.version)
            .execute(&mut *conn)
            .await?;
            end_progress(conn, &p, m.version).await
        })
        .await?;
        Ok(Some(took))
    }

    async fn execute(conn: &mut MySqlConnection, sql: &str) -> Result<(), sqlx::Error> {
        if strata_schema::replay::is_empty(Dialect::Mysql, sql) {
            return Ok(());
        }
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop)
    }

    async fn revert(
        conn: &mut MySqlConnection,
        table: &str,
        m: &Migration,
        down: &str,
    ) -> Result<Duration, RunError> {
        let (t, p) = (quoted(Dialect::Mysql, table), quoted(Dialect::Mysql, &progress_table(table)));
        let from = match resumed(conn, &p, m.version, true).await? {
            Some(done) => done,
            None => {
                in_transaction(conn, async |conn| {
                    sqlx::query(AssertSqlSafe(format!("UPDATE {t} SET success = FALSE WHERE version = ?")))
                        .bind(m.version)
                        .execute(&mut *conn)
                        .await?;
                    start_progress(conn, &p, m.version, true).await
                })
                .await?;
                0
            }
        };
        let start = Instant::now();
        // Should nothing of the down be in, the migration is applied, as before.
        let forget = format!("UPDATE {t} SET success = TRUE WHERE version = {}", m.version);
        run(conn, &p, m.version, down, from, &forget).await?;
        let took = start.elapsed();
        in_transaction(conn, async |conn| {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {t} WHERE version = ?")))
                .bind(m.version)
                .execute(&mut *conn)
                .await?;
            end_progress(conn, &p, m.version).await
        })
        .await?;
        Ok(took)
    }
}

/// How many statements of `version` are in, when a run of it (up, or down when `reverting`)
/// stopped partway and is carried on now.
async fn resumed(
    conn: &mut MySqlConnection,
    p: &str,
    version: i64,
    reverting: bool,
) -> Result<Option<usize>, sqlx::Error> {
    let done: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT done FROM {p} WHERE version = ? AND reverting = ?"
    )))
    .bind(version)
    .bind(reverting)
    .fetch_optional(conn)
    .await?;
    Ok(done.map(|d| usize::try_from(d).unwrap_or(0)))
}

async fn start_progress(
    conn: &mut MySqlConnection,
    p: &str,
    version: i64,
    reverting: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {p} (version, reverting, done, checksum) VALUES (?, ?, 0, ?)"
    )))
    .bind(version)
    .bind(reverting)
    .bind(&StatementsChecksum::default().value()[..])
    .execute(conn)
    .await
    .map(drop)
}

async fn end_progress(conn: &mut MySqlConnection, p: &str, version: i64) -> Result<(), sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!("DELETE FROM {p} WHERE version = ?")))
        .bind(version)
        .execute(conn)
        .await
        .map(drop)
}

/// Runs the statements of `sql` from the `from`th on (0-based), recording each as it goes in;
/// `forget` undoes the record of the run when its first statement fails and nothing is in.
async fn run(
    conn: &mut MySqlConnection,
    p: &str,
    version: i64,
    sql: &str,
    from: usize,
    forget: &str,
) -> Result<(), RunError> {
    let texts = strata_schema::replay::statements(Dialect::Mysql, sql);
    let mut sum = StatementsChecksum::default();
    for s in &texts[..from.min(texts.len())] {
        sum.push(s);
        // What a `SET` of the statements already in set lasted as long as their session: this
        // one needs it again (`SET FOREIGN_KEY_CHECKS = 0`, say).
        if sets_session(s) {
            sqlx::raw_sql(AssertSqlSafe(*s)).execute(&mut *conn).await?;
        }
    }
    // Groups stay well under what the server takes in one packet.
    let most = if sql.len() > GROUP / 2 {
        let limit: u64 = sqlx::query_scalar("SELECT @@max_allowed_packet").fetch_one(&mut *conn).await?;
        GROUP.min(usize::try_from(limit / 2).unwrap_or(GROUP))
    } else {
        GROUP
    };
    let mut i = from;
    while i < texts.len() {
        let group = if commits_on_its_own(texts[i]) {
            i + 1
        } else {
            let mut end = i + 1;
            let mut size = texts[i].len();
            while end < texts.len() && !commits_on_its_own(texts[end]) && size + texts[end].len() <= most {
                size += texts[end].len();
                end += 1;
            }
            end
        };
        let mut after = sum.clone();
        for s in &texts[i..group] {
            after.push(s);
        }
        let done = format!(
            "UPDATE {p} SET done = {group}, running = NULL, failed = NULL, error = NULL, checksum = X'{}' WHERE version = {version}",
            hex(&after.value())
        );
        let batch = if commits_on_its_own(texts[i]) {
            // Marked as running first, in a commit of its own: if the run stops before `done`
            // is written, the migrator knows to look whether the statement is in.
            format!("UPDATE {p} SET running = {} WHERE version = {version};\n{};\n{done}", i + 1, texts[i])
        } else {
            format!("START TRANSACTION;\n{};\n{done};\nCOMMIT", texts[i..group].join(";\n"))
        };
        if let Err(source) = sqlx::raw_sql(AssertSqlSafe(batch)).execute(&mut *conn).await {
            let failed = if commits_on_its_own(texts[i]) {
                i
            } else {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                i + failing(conn, &texts[i..group]).await
            };
            // The database refused it (not a lost connection): it is not in. Say so where the
            // next run and `status` read it; when nothing at all is in, forget the run.
            if let Some(d) = source.as_database_error() {
                let message = d.message().to_owned();
                let _ = if failed == 0 && i == 0 {
                    in_transaction(conn, async |conn| {
                        end_progress(&mut *conn, p, version).await?;
                        sqlx::raw_sql(AssertSqlSafe(forget.to_owned())).execute(conn).await.map(drop)
                    })
                    .await
                } else {
                    sqlx::query(AssertSqlSafe(format!(
                        "UPDATE {p} SET running = NULL, failed = ?, error = ? WHERE version = ?"
                    )))
                    .bind(i64::try_from(failed + 1).unwrap_or(i64::MAX))
                    .bind(message)
                    .bind(version)
                    .execute(&mut *conn)
                    .await
                    .map(drop)
                };
                let committed = (i > 0).then_some(i);
                return Err(RunError { source, statement: Some(failed), committed });
            }
            return Err(RunError { source, statement: Some(failed), committed: Some(i) });
        }
        sum = after;
        i = group;
    }
    Ok(())
}

/// Which of `statements`, run alone in a transaction that is then rolled back, fails (the
/// first when none does now): what a failed group says of the statement to fix.
async fn failing(conn: &mut MySqlConnection, statements: &[&str]) -> usize {
    if statements.len() < 2 || sqlx::raw_sql("START TRANSACTION").execute(&mut *conn).await.is_err() {
        return 0;
    }
    let mut at = 0;
    for (k, s) in statements.iter().enumerate() {
        if sqlx::raw_sql(AssertSqlSafe(*s)).execute(&mut *conn).await.is_err() {
            at = k;
            break;
        }
    }
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
    at
}

/// The first word of a statement, upper-cased.
fn first_word(statement: &str) -> String {
    let s = statement.trim_start();
    let s = s.strip_prefix('(').unwrap_or(s).trim_start();
    s.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').next().unwrap_or("").to_ascii_uppercase()
}

/// Whether a statement commits on its own when it runs (MySQL's implicit commit: DDL, and
/// anything strata does not know to be safe inside a transaction).
fn commits_on_its_own(statement: &str) -> bool {
    !matches!(
        first_word(statement).as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "SELECT" | "WITH" | "SET" | "DO" | "VALUES"
    )
}

/// A `SET` of the session's own variables, which a new session must run again.
fn sets_session(statement: &str) -> bool {
    if first_word(statement) != "SET" {
        return false;
    }
    let rest = statement.trim_start()[3..].trim_start().to_ascii_uppercase();
    !["GLOBAL", "PERSIST", "@@GLOBAL", "PASSWORD", "ROLE", "DEFAULT ROLE", "TRANSACTION"]
        .iter()
        .any(|w| rest.starts_with(w))
}

async fn in_transaction(
    conn: &mut MySqlConnection,
    work: impl AsyncFnOnce(&mut MySqlConnection) -> Result<(), sqlx::Error>,
) -> Result<(), sqlx::Error> {
    sqlx::raw_sql("START TRANSACTION").execute(&mut *conn).await?;
    match work(conn).await {
        Ok(()) => sqlx::raw_sql("COMMIT").execute(conn).await.map(drop),
        Err(e) => {
            let _ = sqlx::raw_sql("ROLLBACK").execute(conn).await;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{commits_on_its_own, sets_session};

    #[test]
    fn what_commits_on_its_own() {
        for s in [
            "CREATE TABLE t (a INT)",
            "alter table t add b int",
            "DROP INDEX i ON t",
            "RENAME TABLE a TO b",
            "CALL p()",
            "TRUNCATE t",
            "LOCK TABLES t WRITE",
        ] {
            assert!(commits_on_its_own(s), "{s}");
        }
        for s in [
            "INSERT INTO t VALUES (1)",
            "  update t set a = 1",
            "DELETE FROM t",
            "REPLACE INTO t VALUES (1)",
            "SET FOREIGN_KEY_CHECKS = 0",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "(SELECT 1)",
        ] {
            assert!(!commits_on_its_own(s), "{s}");
        }
        assert!(sets_session("SET FOREIGN_KEY_CHECKS = 0"));
        assert!(sets_session("SET @x = 1"));
        assert!(sets_session("SET NAMES utf8mb4"));
        assert!(!sets_session("SET GLOBAL max_allowed_packet = 1"));
        assert!(!sets_session("SET PASSWORD = 'x'"));
        assert!(!sets_session("INSERT INTO t VALUES (1)"));
    }
}
