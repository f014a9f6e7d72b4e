//! PostgreSQL: a session advisory lock for the run, each migration in its own transaction.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, PgConnection, Postgres};
use strata_schema::Dialect;

use super::Migration;
use super::backend::{
    Applied, Backend, HistoryRow, RunError, create_table_sql, history_sql, lock_id, private, quoted,
};

impl private::Sealed for Postgres {}

async fn database_lock_id(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(conn).await?;
    Ok(lock_id(&name))
}

impl Backend for Postgres {
    const DIALECT: Dialect = Dialect::Postgres;
    const SESSION_LOCK: bool = true;

    async fn lock(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let id = database_lock_id(conn).await?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(id).execute(conn).await.map(drop)
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

    async fn applied(conn: &mut PgConnection, table: &str) -> Result<Vec<Applied>, sqlx::Error> {
        let rows: Vec<HistoryRow> =
            sqlx::query_as(AssertSqlSafe(history_sql(Dialect::Postgres, table))).fetch_all(conn).await?;
        Ok(rows.into_iter().map(Applied::from).collect())
    }

    async fn apply(
        conn: &mut PgConnection,
        table: &str,
        m: &Migration,
    ) -> Result<Option<Duration>, RunError> {
        let t = quoted(Dialect::Postgres, table);
        Ok(in_transaction(conn, !m.no_transaction, async |conn| {
            let start = Instant::now();
            run(conn, m.up, m.no_transaction).await?;
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
            Ok(Some(took))
        })
        .await?)
    }

    async fn execute(conn: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await.map(drop)
    }

    async fn revert(
        conn: &mut PgConnection,
        table: &str,
        m: &Migration,
        down: &str,
    ) -> Result<Duration, RunError> {
        let t = quoted(Dialect::Postgres, table);
        Ok(in_transaction(conn, !m.down_no_transaction, async |conn| {
            let start = Instant::now();
            run(conn, down, m.down_no_transaction).await?;
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {t} WHERE version = $1")))
                .bind(m.version)
                .execute(&mut *conn)
                .await?;
            Ok(start.elapsed())
        })
        .await?)
    }
}

async fn in_transaction<T>(
    conn: &mut PgConnection,
    transactional: bool,
    work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
) -> Result<T, sqlx::Error> {
    if !transactional {
        return work(conn).await;
    }
    sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
    match work(conn).await {
        Ok(v) => sqlx::raw_sql("COMMIT").execute(conn).await.map(|_| v),
        Err(e) => {
            let _ = sqlx::raw_sql("ROLLBACK").execute(conn).await;
            Err(e)
        }
    }
}

/// Runs a migration's SQL: at once in a transaction, or statement by statement outside one
/// (sent together, PostgreSQL would wrap them in an implicit transaction, which `CREATE INDEX
/// CONCURRENTLY` refuses).
async fn run(conn: &mut PgConnection, sql: &str, no_transaction: bool) -> Result<(), sqlx::Error> {
    if !no_transaction {
        return sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await.map(drop);
    }
    for statement in strata_schema::replay::statements(Dialect::Postgres, sql) {
        sqlx::raw_sql(AssertSqlSafe(statement)).execute(&mut *conn).await?;
    }
    Ok(())
}
