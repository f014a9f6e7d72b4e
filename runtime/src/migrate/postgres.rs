//! PostgreSQL: a session advisory lock for the run, each migration in its own transaction.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, PgConnection, Postgres};
use strata_schema::Dialect;

use super::Migration;
use super::backend::{
    Applied, Backend, Carry, HistoryRow, Partial, RunError, create_table_sql, history_sql, lock_id, private,
    progress_table, quoted,
};
use super::progress::{self, Record};

impl private::Sealed for Postgres {}

/// The key of the migration lock: sqlx's, of the database's name; with the schema when a
/// fan-out runs on one schema of many (`strata.schema`, set on the connection), so that the
/// schemas of one database migrate side by side.
async fn database_lock_id(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    let name: String = sqlx::query_scalar(
        "SELECT current_database() || COALESCE('.' || NULLIF(current_setting('strata.schema', true), ''), '')",
    )
    .fetch_one(conn)
    .await?;
    Ok(lock_id(&name))
}

impl Backend for Postgres {
    const DIALECT: Dialect = Dialect::Postgres;
    const SESSION_LOCK: bool = true;

    /// The lock is tried, and tried again a tenth of a second later, rather than waited for in
    /// one statement: a session waiting in `pg_advisory_lock` holds a snapshot for as long as it
    /// waits, and `CREATE INDEX CONCURRENTLY` in the migrator that has the lock waits for every
    /// such snapshot, so two deployers at once deadlock (PostgreSQL ends one of them with
    /// "deadlock detected"). Between tries, nothing is held.
    async fn lock(conn: &mut PgConnection, wait: Option<Duration>) -> Result<bool, sqlx::Error> {
        let id = database_lock_id(conn).await?;
        let start = Instant::now();
        loop {
            let got: bool =
                sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(id).fetch_one(&mut *conn).await?;
            if got {
                return Ok(true);
            }
            if wait.is_some_and(|w| start.elapsed() >= w) {
                return Ok(false);
            }
            sqlx::raw_sql("SELECT pg_sleep(0.1)").execute(&mut *conn).await?;
        }
    }

    async fn unlock(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let id = database_lock_id(conn).await?;
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(id).execute(conn).await.map(drop)
    }

    async fn introspect(
        conn: &mut PgConnection,
    ) -> Result<strata_schema::Schema, crate::introspect::IntrospectError> {
        crate::introspect::introspect_postgres(conn).await
    }

    async fn ensure_table(conn: &mut PgConnection, table: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(create_table_sql(Dialect::Postgres, table))).execute(conn).await.map(drop)
    }

    async fn has_table(conn: &mut PgConnection, table: &str) -> Result<bool, sqlx::Error> {
        let sql = super::backend::has_table_sql(Dialect::Postgres, table);
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).fetch_one(conn).await.map(|n| n > 0)
    }

    async fn rows(conn: &mut PgConnection, sql: &str) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
        sqlx::query_as(AssertSqlSafe(sql.to_owned())).fetch_all(conn).await
    }

    async fn applied(conn: &mut PgConnection, table: &str) -> Result<Vec<Applied>, sqlx::Error> {
        let rows: Vec<HistoryRow> =
            sqlx::query_as(AssertSqlSafe(history_sql(Dialect::Postgres, table))).fetch_all(conn).await?;
        Ok(rows.into_iter().map(Applied::from).collect())
    }

    async fn apply(
        conn: &mut PgConnection,
        table: &str,
        m: &Migration,
        carry: &mut Carry,
    ) -> Result<Option<Duration>, RunError> {
        let t = quoted(Dialect::Postgres, table);
        let fingerprint = carry.fingerprint;
        if m.no_transaction {
            return one_by_one(conn, table, m, m.up, false, fingerprint).await.map(Some);
        }
        Ok(in_transaction(conn, async |conn| {
            let start = Instant::now();
            run_with(conn, m.up, m.up_data.as_ref()).await?;
            let took = start.elapsed();
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO {t} (version, description, success, checksum, execution_time) VALUES ($1, $2, TRUE, $3, $4)"
            )))
            .bind(m.version)
            .bind(m.description)
            .bind(&m.sqlx_checksum[..])
            .bind(i64::try_from(took.as_nanos()).unwrap_or(i64::MAX))
            .execute(&mut *conn)
            .await?;
            let fingerprint = fingerprint.as_ref().map(|f| &f[..]);
            if let Some(store) = super::backend::store_down_sql(Dialect::Postgres, table, m, fingerprint) {
                sqlx::raw_sql(AssertSqlSafe(store)).execute(&mut *conn).await?;
            }
            Ok(Some(took))
        })
        .await?)
    }

    async fn partials(conn: &mut PgConnection, table: &str) -> Result<Vec<Partial>, sqlx::Error> {
        if !Self::has_table(conn, &progress_table(table)).await? {
            return Ok(Vec::new());
        }
        let rows: Vec<progress::Row> =
            sqlx::query_as(AssertSqlSafe(progress::partials_sql(Dialect::Postgres, table)))
                .fetch_all(conn)
                .await?;
        Ok(rows.into_iter().map(progress::partial).collect())
    }

    async fn data(conn: &mut PgConnection, step: &super::DataStep) -> Result<(), sqlx::Error> {
        #[allow(unreachable_patterns)]
        match step.run {
            super::DataFn::Postgres(run) => run(conn).await.map_err(|e| step.failed(e)),
            _ => Err(step.wrong_database(Dialect::Postgres)),
        }
    }

    async fn execute(conn: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop)
    }

    async fn limit(conn: &mut PgConnection, t: &strata_schema::Timeouts) -> Result<(), sqlx::Error> {
        let statement = t.statement.map_or(0, strata_schema::timeouts::millis);
        let sql = format!(
            "SET lock_timeout = {}; SET statement_timeout = {statement}",
            strata_schema::timeouts::millis(t.lock)
        );
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop)
    }

    fn lock_timed_out(e: &sqlx::Error) -> bool {
        e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "55P03")
    }

    /// The sessions holding a lock on a table of this database, other than this one, longest
    /// in a transaction first.
    async fn holders(conn: &mut PgConnection, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.relname::text, format('session %s (%s%s; its last statement: `%s`) holding %s on %s', \
                a.pid, COALESCE(a.state, 'unknown'), \
                CASE WHEN a.xact_start IS NULL THEN '' \
                     ELSE format(', in a transaction for %s s', floor(extract(epoch FROM now() - a.xact_start))::bigint) END, \
                left(regexp_replace(COALESCE(a.query, ''), '\\s+', ' ', 'g'), 120), l.mode, c.relname) \
             FROM pg_locks l \
             JOIN pg_class c ON c.oid = l.relation \
             JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid() \
               AND c.relkind IN ('r', 'p', 'm', 'v', 'f') \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             ORDER BY a.xact_start NULLS LAST, a.pid",
        )
        .fetch_all(conn)
        .await?;
        Ok(super::backend::on_named(sql, rows))
    }

    async fn pause(conn: &mut PgConnection, wait: Duration) -> Result<(), sqlx::Error> {
        let sql = format!("SET statement_timeout = 0; SELECT pg_sleep({})", wait.as_secs_f64());
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop)
    }

    async fn revert(
        conn: &mut PgConnection,
        table: &str,
        m: &Migration,
        down: &str,
        _: &mut Carry,
    ) -> Result<Duration, RunError> {
        let t = quoted(Dialect::Postgres, table);
        if m.down_no_transaction {
            return one_by_one(conn, table, m, down, true, None).await;
        }
        Ok(in_transaction(conn, async |conn| {
            let start = Instant::now();
            run_with(conn, down, m.down_data.as_ref()).await?;
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {t} WHERE {}", super::backend::rows_of(m))))
                .execute(&mut *conn)
                .await?;
            sqlx::raw_sql(AssertSqlSafe(super::backend::forget_down_sql(Dialect::Postgres, table, m)))
                .execute(&mut *conn)
                .await?;
            Ok(start.elapsed())
        })
        .await?)
    }
}

/// Runs a migration's script, and its data step at its `-- strata:rust` line.
async fn run_with(
    conn: &mut PgConnection,
    sql: &str,
    data: Option<&super::DataStep>,
) -> Result<(), sqlx::Error> {
    match super::backend::around_data(Dialect::Postgres, sql, data)? {
        Some((before, step, after)) => {
            sqlx::raw_sql(AssertSqlSafe(before)).execute(&mut *conn).await?;
            Postgres::data(conn, step).await?;
            sqlx::raw_sql(AssertSqlSafe(after)).execute(conn).await.map(drop)
        }
        None => sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop),
    }
}

async fn in_transaction<T>(
    conn: &mut PgConnection,
    work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
) -> Result<T, sqlx::Error> {
    sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
    match work(conn).await {
        Ok(v) => sqlx::raw_sql("COMMIT").execute(conn).await.map(|_| v),
        Err(e) => {
            let _ = sqlx::raw_sql("ROLLBACK").execute(conn).await;
            Err(e)
        }
    }
}

/// A `-- no-transaction` migration (`CREATE INDEX CONCURRENTLY` cannot run in one), up or down
/// (`reverting`): its statements run one at a time, each committed on its own, with the record
/// of how many are in kept in `<history>_progress` as they go (made when first needed). A run
/// that stops partway leaves that record, and the next run carries on from the first statement
/// not in, as on MySQL.
async fn one_by_one(
    conn: &mut PgConnection,
    table: &str,
    m: &Migration,
    sql: &str,
    reverting: bool,
    fingerprint: Option<[u8; 48]>,
) -> Result<Duration, RunError> {
    let mut r = Record::new(Dialect::Postgres, table, m.version);
    r.fingerprint = fingerprint;
    let from = match resumed(conn, table, &r, reverting).await? {
        Some(done) => done,
        None => {
            let begin = r.begin(m, reverting);
            let begin: Vec<&str> = begin.iter().map(String::as_str).collect();
            sqlx::raw_sql(AssertSqlSafe(r.transaction(&begin))).execute(&mut *conn).await?;
            0
        }
    };
    let start = Instant::now();
    let data = if reverting { m.down_data.as_ref() } else { m.up_data.as_ref() };
    progress::run_one_by_one::<Postgres>(conn, &r, sql, data, from, &r.forget(reverting)).await?;
    let took = start.elapsed();
    progress::finish::<Postgres>(conn, &r, sql, &r.ended(m, reverting, took)).await?;
    Ok(took)
}

/// How many statements are in, when a run of the migration stopped partway (the progress table
/// is made here, the first time a migration runs outside a transaction).
async fn resumed(
    conn: &mut PgConnection,
    table: &str,
    r: &Record,
    reverting: bool,
) -> Result<Option<usize>, sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(progress::create_sql(Dialect::Postgres, table))).execute(&mut *conn).await?;
    let done: Option<i64> = sqlx::query_scalar(AssertSqlSafe(r.resumed_sql()))
        .bind(r.version())
        .bind(reverting)
        .fetch_optional(conn)
        .await?;
    Ok(done.map(|d| usize::try_from(d).unwrap_or(0)))
}
