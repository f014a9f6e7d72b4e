//! MySQL and MariaDB: `GET_LOCK` for the run. DDL commits on its own, so a migration is first
//! recorded as failed and marked done only at its end: one that stops halfway stays recorded.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, MySql, MySqlConnection};
use strata_schema::Dialect;

use super::Migration;
use super::backend::{Applied, Backend, HistoryRow, create_table_sql, history_sql, lock_id, private, quoted};

impl private::Sealed for MySql {}

async fn database_lock_id(conn: &mut MySqlConnection) -> Result<String, sqlx::Error> {
    let name: String = sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)").fetch_one(conn).await?;
    Ok(format!("{:x}", lock_id(&name)))
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
        sqlx::raw_sql(AssertSqlSafe(create_table_sql(Dialect::Mysql, table))).execute(conn).await.map(drop)
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

    async fn apply(
        conn: &mut MySqlConnection,
        table: &str,
        m: &Migration,
    ) -> Result<Option<Duration>, sqlx::Error> {
        let t = quoted(Dialect::Mysql, table);
        sqlx::raw_sql("START TRANSACTION").execute(&mut *conn).await?;
        let result: Result<Duration, sqlx::Error> = async {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO {t} (version, description, success, checksum, execution_time) VALUES (?, ?, FALSE, ?, -1)"
            )))
            .bind(m.version)
            .bind(m.description)
            .bind(&m.sqlx_checksum[..])
            .execute(&mut *conn)
            .await?;
            let start = Instant::now();
            if !strata_schema::replay::is_empty(Dialect::Mysql, m.up) {
                sqlx::raw_sql(AssertSqlSafe(m.up)).execute(&mut *conn).await?;
            }
            let took = start.elapsed();
            sqlx::query(AssertSqlSafe(format!("UPDATE {t} SET success = TRUE, execution_time = ? WHERE version = ?")))
                .bind(i64::try_from(took.as_nanos()).unwrap_or(i64::MAX))
                .bind(m.version)
                .execute(&mut *conn)
                .await?;
            Ok(took)
        }
        .await;
        finish(conn, result).await.map(Some)
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
    ) -> Result<Duration, sqlx::Error> {
        let t = quoted(Dialect::Mysql, table);
        sqlx::raw_sql("START TRANSACTION").execute(&mut *conn).await?;
        let result = async {
            sqlx::query(AssertSqlSafe(format!("UPDATE {t} SET success = FALSE WHERE version = ?")))
                .bind(m.version)
                .execute(&mut *conn)
                .await?;
            let start = Instant::now();
            if !strata_schema::replay::is_empty(Dialect::Mysql, down) {
                sqlx::raw_sql(AssertSqlSafe(down)).execute(&mut *conn).await?;
            }
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {t} WHERE version = ?")))
                .bind(m.version)
                .execute(&mut *conn)
                .await?;
            Ok(start.elapsed())
        }
        .await;
        finish(conn, result).await
    }
}

async fn finish<T>(conn: &mut MySqlConnection, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
    match result {
        Ok(v) => sqlx::raw_sql("COMMIT").execute(conn).await.map(|_| v),
        Err(e) => {
            let _ = sqlx::raw_sql("ROLLBACK").execute(conn).await;
            Err(e)
        }
    }
}
