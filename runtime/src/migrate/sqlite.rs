//! SQLite: each migration in an exclusive transaction that first checks it is still pending,
//! so concurrent migrators apply it once.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Sqlite, SqliteConnection};
use strata_schema::Dialect;

use super::Migration;
use super::backend::{
    Applied, Backend, Carry, HistoryRow, RunError, create_table_sql, history_sql, private, quoted,
};

impl private::Sealed for Sqlite {}

impl Backend for Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;
    const SESSION_LOCK: bool = false;

    async fn lock(_: &mut SqliteConnection, _: Option<Duration>) -> Result<bool, sqlx::Error> {
        Ok(true)
    }

    async fn unlock(_: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn introspect(
        conn: &mut SqliteConnection,
    ) -> Result<strata_schema::Schema, crate::introspect::IntrospectError> {
        crate::introspect::introspect_sqlite(conn).await
    }

    async fn ensure_table(conn: &mut SqliteConnection, table: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(create_table_sql(Dialect::Sqlite, table))).execute(conn).await.map(drop)
    }

    async fn has_table(conn: &mut SqliteConnection, table: &str) -> Result<bool, sqlx::Error> {
        let sql = super::backend::has_table_sql(Dialect::Sqlite, table);
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).fetch_one(conn).await.map(|n| n > 0)
    }

    async fn rows(conn: &mut SqliteConnection, sql: &str) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
        sqlx::query_as(AssertSqlSafe(sql.to_owned())).fetch_all(conn).await
    }

    async fn applied(conn: &mut SqliteConnection, table: &str) -> Result<Vec<Applied>, sqlx::Error> {
        // The history in one row: each row fetched is a hand-off between sqlx's worker thread
        // and the caller, and at start-up those were most of the time past SQLite's own.
        let (count, packed): (i64, Option<String>) =
            sqlx::query_as(AssertSqlSafe(packed_history_sql(table))).fetch_one(&mut *conn).await?;
        if let Some(applied) = unpack_history(packed.as_deref().unwrap_or(""))
            && i64::try_from(applied.len()).is_ok_and(|n| n == count)
        {
            return Ok(applied);
        }
        // A row of other types than sqlx writes (or a NULL, which the packing skips): read row
        // by row, which says what is wrong with it.
        let rows: Vec<HistoryRow> =
            sqlx::query_as(AssertSqlSafe(history_sql(Dialect::Sqlite, table))).fetch_all(conn).await?;
        Ok(rows.into_iter().map(Applied::from).collect())
    }

    async fn apply(
        conn: &mut SqliteConnection,
        table: &str,
        m: &Migration,
        carry: &mut Carry,
    ) -> Result<Option<Duration>, RunError> {
        let t = quoted(Dialect::Sqlite, table);
        let transactional = !m.no_transaction;
        if transactional {
            sqlx::raw_sql("BEGIN EXCLUSIVE").execute(&mut *conn).await?;
        }
        let result: Result<Option<Duration>, sqlx::Error> = async {
            let done: Option<i64> =
                sqlx::query_scalar(AssertSqlSafe(format!("SELECT version FROM {t} WHERE version = ?")))
                    .bind(m.version)
                    .fetch_optional(&mut *conn)
                    .await?;
            if done.is_some() {
                return Ok(None);
            }
            let start = Instant::now();
            run_with(conn, m.up, m.up_data.as_ref()).await?;
            let took = start.elapsed();
            record(conn, &t, m, took).await?;
            let fingerprint = carry.fingerprint.as_ref().map(|f| &f[..]);
            if let Some(store) = super::backend::store_down_sql(Dialect::Sqlite, table, m, fingerprint) {
                sqlx::raw_sql(AssertSqlSafe(store)).execute(&mut *conn).await?;
            }
            Ok(Some(took))
        }
        .await;
        Ok(finish(conn, transactional, result).await?)
    }

    async fn data(conn: &mut SqliteConnection, step: &super::DataStep) -> Result<(), sqlx::Error> {
        #[allow(unreachable_patterns)]
        match step.run {
            super::DataFn::Sqlite(run) => run(conn).await.map_err(|e| step.failed(e)),
            _ => Err(step.wrong_database(Dialect::Sqlite)),
        }
    }

    async fn execute(conn: &mut SqliteConnection, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop)
    }

    async fn revert(
        conn: &mut SqliteConnection,
        table: &str,
        m: &Migration,
        down: &str,
        _: &mut Carry,
    ) -> Result<Duration, RunError> {
        let t = quoted(Dialect::Sqlite, table);
        let transactional = !m.down_no_transaction;
        if transactional {
            sqlx::raw_sql("BEGIN EXCLUSIVE").execute(&mut *conn).await?;
        }
        let result = async {
            let start = Instant::now();
            run_with(conn, down, m.down_data.as_ref()).await?;
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {t} WHERE {}", super::backend::rows_of(m))))
                .execute(&mut *conn)
                .await?;
            sqlx::raw_sql(AssertSqlSafe(super::backend::forget_down_sql(Dialect::Sqlite, table, m)))
                .execute(&mut *conn)
                .await?;
            Ok(start.elapsed())
        }
        .await;
        Ok(finish(conn, transactional, result).await?)
    }
}

/// Runs a migration's script, and its data step at its `-- strata:rust` line.
async fn run_with(
    conn: &mut SqliteConnection,
    sql: &str,
    data: Option<&super::DataStep>,
) -> Result<(), sqlx::Error> {
    match super::backend::around_data(Dialect::Sqlite, sql, data)? {
        Some((before, step, after)) => {
            run(conn, before).await?;
            Sqlite::data(conn, step).await?;
            run(conn, after).await
        }
        None => run(conn, sql).await,
    }
}

/// Runs a script in pieces of whole statements: SQLite copies the rest of a script each time it
/// reads a statement of it, which sent whole makes a large data migration take the square of its
/// size (a 7 MB file: 7.6 s, against 0.26 s for `sqlite3`; in pieces, 0.5 s).
async fn run(conn: &mut SqliteConnection, sql: &str) -> Result<(), sqlx::Error> {
    // Small pieces copy little, and each costs a call through sqlx's worker thread (six system
    // calls). On a 50 MB file of one-row INSERTs, on a calm machine: 1 KiB 2.9 s, 4 KiB 1.6 s,
    // 8 KiB and 16 KiB 1.45 s, 64 KiB 1.7 s; `sqlite3` 1.2 s.
    const PIECE: usize = 8192;
    for piece in strata_schema::replay::pieces(sql, PIECE) {
        sqlx::raw_sql(AssertSqlSafe(piece)).execute(&mut *conn).await?;
    }
    Ok(())
}

async fn record(
    conn: &mut SqliteConnection,
    t: &str,
    m: &Migration,
    took: Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {t} (version, description, success, checksum, execution_time) VALUES (?, ?, TRUE, ?, ?)"
    )))
    .bind(m.version)
    .bind(m.description)
    .bind(&m.sqlx_checksum[..])
    .bind(i64::try_from(took.as_nanos()).unwrap_or(i64::MAX))
    .execute(conn)
    .await
    .map(drop)
}

/// Commits on success, rolls back on failure (keeping the first error).
async fn finish<T>(
    conn: &mut SqliteConnection,
    transactional: bool,
    result: Result<T, sqlx::Error>,
) -> Result<T, sqlx::Error> {
    if !transactional {
        // A script that opened its own transaction (a table rebuild) and failed inside it must
        // not leave it open; without one, this ROLLBACK fails harmlessly.
        if result.is_err() {
            let _ = sqlx::raw_sql("ROLLBACK").execute(conn).await;
        }
        return result;
    }
    match result {
        Ok(v) => sqlx::raw_sql("COMMIT").execute(conn).await.map(|_| v),
        Err(e) => {
            let _ = sqlx::raw_sql("ROLLBACK").execute(conn).await;
            Err(e)
        }
    }
}

/// Between the fields of a packed row, and between rows: ASCII's unit and record separators.
const FIELD: char = '\u{1f}';
const ROW: char = '\u{1e}';

/// The history's row count and its rows packed in one text, oldest first: per row, the version,
/// success, checksum (in hex), execution time, time applied and description. A description
/// holding a separator makes a row of the wrong shape, which [`unpack_history`] refuses.
fn packed_history_sql(table: &str) -> String {
    format!(
        "SELECT count(*), group_concat(version || char(31) || success || char(31) || hex(checksum) || char(31) || execution_time || char(31) || CAST(installed_on AS TEXT) || char(31) || description, char(30)) FROM (SELECT * FROM {} ORDER BY version)",
        quoted(Dialect::Sqlite, table)
    )
}

/// The rows of [`packed_history_sql`], sorted by version; `None` when one is not as sqlx writes
/// them.
fn unpack_history(packed: &str) -> Option<Vec<Applied>> {
    let mut out = Vec::new();
    for row in packed.split(ROW).filter(|r| !r.is_empty()) {
        let mut f = row.split(FIELD);
        let mut next = || f.next();
        let version = next()?.parse().ok()?;
        let success = match next()? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        let checksum = unhex(next()?)?;
        let execution_time = next()?.parse().ok()?;
        let installed_on = next()?.to_owned();
        let description = next()?.to_owned();
        if next().is_some() {
            return None;
        }
        out.push(Applied { version, description, installed_on, success, checksum, execution_time });
    }
    out.sort_by_key(|a| a.version);
    Some(out)
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    fn digit(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'A'..=b'F' => Some(b - b'A' + 10),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for pair in bytes.chunks_exact(2) {
        out.push(digit(pair[0])? << 4 | digit(pair[1])?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packed_history_reads_back_as_the_rows() {
        let row = |fields: &[&str]| fields.join("\u{1f}");
        let packed = [
            row(&["2", "1", "0A0B", "7", "2026-01-01 00:00:00", "name"]),
            row(&["1", "0", "ff", "5", "t", "a b"]),
        ]
        .join("\u{1e}");
        let rows = unpack_history(&packed).expect("reads");
        assert_eq!(rows.iter().map(|a| a.version).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(
            (rows[0].description.as_str(), rows[0].success, &rows[0].checksum[..]),
            ("a b", false, &[255][..])
        );
        assert_eq!((rows[1].installed_on.as_str(), rows[1].execution_time), ("2026-01-01 00:00:00", 7));
        assert!(unpack_history("").is_some_and(|r| r.is_empty()));
        for bad in [
            row(&["x", "1", "00", "1", "t", "d"]),
            row(&["1", "true", "00", "1", "t", "d"]),
            row(&["1", "1", "0", "1", "t", "d"]),
            row(&["1", "1", "00", "1", "t"]),
            row(&["1", "1", "00", "1", "t", "a\u{1f}b"]),
        ] {
            assert!(unpack_history(&bad).is_none(), "{bad}");
        }
    }
}
