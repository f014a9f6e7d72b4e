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

use super::Migration;
use super::backend::{
    Applied, Backend, Carry, HistoryRow, Partial, RunError, create_table_sql, history_sql, lock_id, private,
    progress_table,
};
use super::progress::{self, Record};

impl private::Sealed for MySql {}

/// The most bytes of statements that do not commit on their own sent and committed at once.
const GROUP: usize = 1 << 20;

async fn database_lock_id(conn: &mut MySqlConnection) -> Result<String, sqlx::Error> {
    let name: String = sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)").fetch_one(conn).await?;
    Ok(format!("{:x}", lock_id(&name)))
}

impl Backend for MySql {
    const DIALECT: Dialect = Dialect::Mysql;
    const SESSION_LOCK: bool = true;

    async fn lock(conn: &mut MySqlConnection, wait: Option<Duration>) -> Result<bool, sqlx::Error> {
        let id = database_lock_id(conn).await?;
        // GET_LOCK answers 1 when it has the lock, 0 when the wait ran out. MariaDB does not
        // read a negative timeout as "forever" (it returns at once), so unbounded is a day.
        let seconds = wait.map_or(86400.0, |w| w.as_secs_f64());
        let got: Option<i64> =
            sqlx::query_scalar("SELECT GET_LOCK(?, ?)").bind(&id).bind(seconds).fetch_one(conn).await?;
        match got {
            Some(1) => Ok(true),
            Some(0) if wait.is_some() => Ok(false),
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
        let sql = format!(
            "{};\n{}",
            create_table_sql(Dialect::Mysql, table),
            progress::create_sql(Dialect::Mysql, table)
        );
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop)
    }

    async fn has_table(conn: &mut MySqlConnection, table: &str) -> Result<bool, sqlx::Error> {
        let sql = super::backend::has_table_sql(Dialect::Mysql, table);
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).fetch_one(conn).await.map(|n| n > 0)
    }

    async fn rows(conn: &mut MySqlConnection, sql: &str) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
        sqlx::query_as(AssertSqlSafe(sql.to_owned())).fetch_all(conn).await
    }

    async fn applied(conn: &mut MySqlConnection, table: &str) -> Result<Vec<Applied>, sqlx::Error> {
        let rows: Vec<HistoryRow> =
            sqlx::query_as(AssertSqlSafe(history_sql(Dialect::Mysql, table))).fetch_all(conn).await?;
        Ok(rows.into_iter().map(Applied::from).collect())
    }

    async fn partials(conn: &mut MySqlConnection, table: &str) -> Result<Vec<Partial>, sqlx::Error> {
        if !Self::has_table(conn, &progress_table(table)).await? {
            return Ok(Vec::new());
        }
        let rows: Vec<progress::Row> =
            sqlx::query_as(AssertSqlSafe(progress::partials_sql(Dialect::Mysql, table)))
                .fetch_all(conn)
                .await?;
        Ok(rows.into_iter().map(progress::partial).collect())
    }

    async fn max_statement(conn: &mut MySqlConnection) -> Result<Option<u64>, sqlx::Error> {
        let limit: u64 = sqlx::query_scalar("SELECT @@max_allowed_packet").fetch_one(conn).await?;
        Ok(Some(limit))
    }

    async fn apply(
        conn: &mut MySqlConnection,
        table: &str,
        m: &Migration,
        carry: &mut Carry,
    ) -> Result<Option<Duration>, RunError> {
        run_migration(conn, table, m, m.up, false, carry).await.map(Some)
    }

    async fn data(conn: &mut MySqlConnection, step: &super::DataStep) -> Result<(), sqlx::Error> {
        #[allow(unreachable_patterns)]
        match step.run {
            super::DataFn::Mysql(run) => run(conn).await.map_err(|e| step.failed(e)),
            _ => Err(step.wrong_database(Dialect::Mysql)),
        }
    }

    async fn execute(conn: &mut MySqlConnection, sql: &str) -> Result<(), sqlx::Error> {
        if strata_schema::replay::is_empty(Dialect::Mysql, sql) {
            return Ok(());
        }
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop)
    }

    /// `lock_wait_timeout` (whole seconds, at least one) bounds the wait for a table's metadata
    /// lock, which every DDL statement takes.
    async fn limit(conn: &mut MySqlConnection, t: &strata_schema::Timeouts) -> Result<(), sqlx::Error> {
        let seconds = Self::lock_wait(t).as_secs();
        sqlx::raw_sql(AssertSqlSafe(format!("SET SESSION lock_wait_timeout = {seconds}")))
            .execute(conn)
            .await
            .map(drop)
    }

    fn lock_wait(t: &strata_schema::Timeouts) -> Duration {
        Duration::from_secs(u64::try_from(t.lock.as_millis().div_ceil(1000)).unwrap_or(u64::MAX).max(1))
    }

    /// `ER_LOCK_WAIT_TIMEOUT` (1205), for a metadata lock as for a row's.
    fn lock_timed_out(e: &sqlx::Error) -> bool {
        e.as_database_error()
            .and_then(|d| d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
            .is_some_and(|d| d.number() == 1205)
    }

    /// The sessions in an open transaction, longest first: a metadata lock lives as long as
    /// the transaction that took it, and the server does not name the table unless its
    /// `performance_schema` is on.
    async fn holders(conn: &mut MySqlConnection, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT CAST('' AS CHAR), CAST(CONCAT('session ', t.trx_mysql_thread_id, ' (', \
                COALESCE(LOWER(p.COMMAND), 'unknown'), ', in a transaction for ', \
                TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), ' s', \
                CASE WHEN p.INFO IS NULL THEN '' ELSE CONCAT('; running `', LEFT(p.INFO, 120), '`') END, \
                CASE WHEN p.USER IS NULL THEN '' ELSE CONCAT('; user ', p.USER) END, ')') AS CHAR) \
             FROM information_schema.INNODB_TRX t \
             LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
             WHERE t.trx_mysql_thread_id <> CONNECTION_ID() \
             ORDER BY t.trx_started",
        )
        .fetch_all(conn)
        .await?;
        Ok(super::backend::on_named(sql, rows))
    }

    async fn pause(conn: &mut MySqlConnection, wait: Duration) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(format!("DO SLEEP({})", wait.as_secs_f64())))
            .execute(conn)
            .await
            .map(drop)
    }

    async fn revert(
        conn: &mut MySqlConnection,
        table: &str,
        m: &Migration,
        down: &str,
        carry: &mut Carry,
    ) -> Result<Duration, RunError> {
        run_migration(conn, table, m, down, true, carry).await
    }
}

/// Runs `sql`, the up of `m` or its down (`reverting`), carrying on a run of it that stopped
/// partway, and records the end: at once when it is the last of the run, else in `carry`, for
/// the transaction that records the start of the next ([`Carry`]).
async fn run_migration(
    conn: &mut MySqlConnection,
    table: &str,
    m: &Migration,
    sql: &str,
    reverting: bool,
    carry: &mut Carry,
) -> Result<Duration, RunError> {
    let mut r = Record::new(Dialect::Mysql, table, m.version);
    r.fingerprint = carry.fingerprint;
    let before = std::mem::take(&mut carry.end);
    let result = async {
        let done = if carry.resuming { resumed(conn, &r, reverting).await? } else { None };
        let start = match done {
            Some(_) => {
                // A run carried on records no start: the end before goes on its own.
                alone(conn, &r, &before).await?;
                Vec::new()
            }
            None => [before.clone(), r.begin(m, reverting)].concat(),
        };
        let begun = Instant::now();
        let data = if reverting { m.down_data.as_ref() } else { m.up_data.as_ref() };
        run(conn, &r, sql, data, done.unwrap_or(0), &r.forget(reverting), &start).await?;
        let took = begun.elapsed();
        let ended = r.ended(m, reverting, took);
        if carry.follows {
            carry.end = vec![ended, r.end()];
        } else {
            progress::finish::<MySql>(conn, &r, sql, &ended).await?;
        }
        Ok(took)
    }
    .await;
    // The end before rode with this run's first transaction, which may not have committed;
    // writing it again changes nothing where it did.
    if result.is_err() {
        let _ = alone(conn, &r, &before).await;
    }
    result
}

/// Writes `statements` (the end of a migration before, when it could not ride with a start) in
/// a transaction of their own; nothing when there are none.
async fn alone(conn: &mut MySqlConnection, r: &Record, statements: &[String]) -> Result<(), sqlx::Error> {
    if statements.is_empty() {
        return Ok(());
    }
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    sqlx::raw_sql(AssertSqlSafe(r.transaction(&statements))).execute(conn).await.map(drop)
}

/// How many statements are in, when a run of the migration (up, or down when `reverting`)
/// stopped partway and is carried on now.
async fn resumed(
    conn: &mut MySqlConnection,
    r: &Record,
    reverting: bool,
) -> Result<Option<usize>, sqlx::Error> {
    let done: Option<i64> = sqlx::query_scalar(AssertSqlSafe(r.resumed_sql()))
        .bind(r.version())
        .bind(reverting)
        .fetch_optional(conn)
        .await?;
    Ok(done.map(|d| usize::try_from(d).unwrap_or(0)))
}

/// Runs the statements of `sql` from the `from`th on (0-based), recording each as it goes in;
/// `start` (the record that the run begins, when it is not carried on) goes in the transaction
/// of the first statements; `forget` undoes the record of the run when nothing of it is in. The
/// last statement, when it commits on its own, is recorded as in by the record of the end that
/// follows (a crash between them leaves it running, which the next run looks for).
async fn run(
    conn: &mut MySqlConnection,
    r: &Record,
    sql: &str,
    data: Option<&super::DataStep>,
    from: usize,
    forget: &str,
    start: &[String],
) -> Result<(), RunError> {
    let texts = strata_schema::replay::statements(Dialect::Mysql, sql);
    for s in &texts[..from.min(texts.len())] {
        // What a `SET` of the statements already in set lasted as long as their session: this
        // one needs it again (`SET FOREIGN_KEY_CHECKS = 0`, say).
        if sets_session(s) {
            sqlx::raw_sql(AssertSqlSafe(*s)).execute(&mut *conn).await?;
        }
    }
    let mut sum = progress::sum_of(&texts, from);
    // Groups stay well under what the server takes in one packet.
    let most = if sql.len() > GROUP / 2 {
        let limit: u64 = sqlx::query_scalar("SELECT @@max_allowed_packet").fetch_one(&mut *conn).await?;
        GROUP.min(usize::try_from(limit / 2).unwrap_or(GROUP))
    } else {
        GROUP
    };
    let start: Vec<&str> = start.iter().map(String::as_str).collect();
    if texts.len() <= from && !start.is_empty() {
        sqlx::raw_sql(AssertSqlSafe(r.transaction(&start))).execute(&mut *conn).await?;
    }
    let mut i = from;
    // Whether statement `i` is already marked running (by the record of the ones before it).
    let mut marked = false;
    while i < texts.len() {
        let first = if i == from { start.as_slice() } else { &[] };
        if strata_schema::replay::is_rust_step(texts[i]) {
            // The data step, in a transaction with the record that it is in; the record that
            // the run begins first, on its own, when it is the first.
            let mut after = sum.clone();
            after.push(texts[i]);
            let ran = async {
                if !first.is_empty() {
                    sqlx::raw_sql(AssertSqlSafe(r.transaction(first))).execute(&mut *conn).await?;
                }
                progress::run_data::<MySql>(conn, texts[i], data, &r.done(i + 1, &after)).await
            }
            .await;
            if let Err(source) = ran {
                return Err(progress::stop::<MySql>(conn, r, i, i, source, forget).await);
            }
            sum = after;
            i += 1;
            marked = false;
            continue;
        }
        let alone = commits_on_its_own(texts[i]);
        let group = if alone {
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
        // A statement that commits on its own is marked running before it is sent, in a commit
        // of its own: if the run stops before it is recorded as in, the migrator knows to look
        // whether it is. The record of the statements before it marks it, when it follows them.
        let next = (group < texts.len()
            && commits_on_its_own(texts[group])
            && !strata_schema::replay::is_rust_step(texts[group]))
        .then_some(group + 1);
        let done = r.done_then(group, &after, next);
        let batch = if alone {
            let mut parts: Vec<String> = Vec::new();
            if !marked {
                let running = r.running(i + 1);
                parts.push(r.transaction(&[first, &[running.as_str()]].concat()));
            }
            parts.push(texts[i].to_owned());
            // The last one is recorded by the record of the migration's end.
            if group < texts.len() {
                parts.push(done.clone());
            }
            parts.join(";\n")
        } else {
            let statements = texts[i..group].join(";\n");
            r.transaction(&[first, &[statements.as_str(), done.as_str()]].concat())
        };
        if let Err(source) = sqlx::raw_sql(AssertSqlSafe(batch)).execute(&mut *conn).await {
            let failed = if alone {
                i
            } else {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                i + failing(conn, &texts[i..group]).await
            };
            return Err(progress::stop::<MySql>(conn, r, failed, i, source, forget).await);
        }
        sum = after;
        i = group;
        marked = next.is_some();
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
