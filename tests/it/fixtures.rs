//! Replay against reality: every history in `../shared/fixtures/` is applied to a real database
//! one migration at a time, and after each the introspected schema must equal the replay.
//! Where the replay refuses a statement, the test asserts the located error instead.

use std::path::{Path, PathBuf};

use sqlx::{AssertSqlSafe, Connection};
use strata::introspect::{introspect_mysql, introspect_postgres, introspect_sqlite};
use strata_schema::{Dialect, MigrationSet, Schema, replay::apply_sql};

use crate::db;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
}

/// `own/<dialect>` is a history of `tests/reality`; anything else one of `../shared/fixtures`.
fn history_dir(history: &str) -> PathBuf {
    match history.strip_prefix("own/") {
        Some(own) => Path::new(env!("CARGO_MANIFEST_DIR")).join("reality").join(own),
        None => fixtures().join(history),
    }
}

/// A statement the replay refuses, on purpose: (file ending, line, column, words of the message).
type Refusal = (&'static str, u64, u64, &'static str);

/// Applies `history` step by step through `run` and compares through `read` after each step.
async fn check_history<C>(
    dir: &Path,
    dialect: Dialect,
    conn: &mut C,
    refusal: Option<Refusal>,
    run: impl AsyncFn(&mut C, &str) -> Result<(), sqlx::Error>,
    read: impl AsyncFn(&mut C) -> Schema,
) {
    let history = dir.strip_prefix(fixtures()).unwrap_or(dir).display().to_string();
    if !dir.is_dir() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{} is missing, and CI=true", dir.display());
        }
        eprintln!(
            "skipped: {} is not here (the fixtures live beside the repository, in ../shared)",
            dir.display()
        );
        return;
    }
    let set = MigrationSet::load(dir, Some(dialect)).expect("the history is readable");
    assert!(!set.migrations.is_empty(), "{history} has migrations");
    let mut schema = Schema::default();
    for m in &set.migrations {
        let replayed = apply_sql(dialect, &mut schema, &m.up.path, &m.up.sql);
        if let Err(e) = replayed {
            let Some((file, line, column, words)) = refusal else {
                panic!("{history}: the replay refused {}:\n{e}", m.up.path.display());
            };
            assert!(
                e.path.ends_with(file),
                "{history}: refused in {} rather than {file}:\n{e}",
                e.path.display()
            );
            assert_eq!((e.line, e.column), (line, column), "{history}: refused at another place:\n{e}");
            assert!(e.message.contains(words), "{history}: refused for another reason:\n{e}");
            return;
        }
        run(conn, &m.up.sql)
            .await
            .unwrap_or_else(|e| panic!("{history}: {} fails on the database: {e}", m.name()));
        let mut expected = schema.clone();
        expected.normalize(dialect);
        let real = read(conn).await;
        if let Some(diff) = expected.difference(&real) {
            panic!("{history}: after {}, the replay and the database differ:\n{diff}", m.name());
        }
    }
    assert!(refusal.is_none(), "{history}: expected the replay to refuse {refusal:?}");
}

async fn sqlite_history(history: &str, refusal: Option<Refusal>) {
    let dir = history_dir(history);
    let mut conn = db::sqlite().await;
    check_history(
        &dir,
        Dialect::Sqlite,
        &mut conn,
        refusal,
        async |c, sql| sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut *c).await.map(drop),
        async |c| introspect_sqlite(c).await.expect("introspection"),
    )
    .await;
}

async fn postgres_history(history: &str, refusal: Option<Refusal>) {
    let dir = history_dir(history);
    let name = history.replace('/', "_");
    let Some(mut conn) = db::postgres(&name).await else { return };
    check_history(
        &dir,
        Dialect::Postgres,
        &mut conn,
        refusal,
        async |c, sql| sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut *c).await.map(drop),
        async |c| introspect_postgres(c).await.expect("introspection"),
    )
    .await;
    conn.close().await.ok();
}

async fn mysql_history(history: &str, refusal: Option<Refusal>) {
    let dir = history_dir(history);
    let name = history.replace('/', "_");
    let Some(mut conn) = db::mysql(&name).await else { return };
    // vaultwarden's own runner applies its history with foreign-key checks off.
    sqlx::raw_sql("SET FOREIGN_KEY_CHECKS = 0").execute(&mut conn).await.expect("session setting");
    check_history(
        &dir,
        Dialect::Mysql,
        &mut conn,
        refusal,
        async |c, sql| sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut *c).await.map(drop),
        async |c| introspect_mysql(c).await.expect("introspection"),
    )
    .await;
    conn.close().await.ok();
}

#[tokio::test]
async fn vaultwarden_sqlite() {
    sqlite_history("vaultwarden/sqlite", None).await;
}

#[tokio::test]
async fn diesel_tests_sqlite() {
    sqlite_history("diesel_tests/sqlite", None).await;
}

#[tokio::test]
async fn atuin_server_sqlite() {
    sqlite_history("atuin_server/sqlite", None).await;
}

#[tokio::test]
async fn atuin_client_sqlite() {
    sqlite_history("atuin_client/sqlite", None).await;
}

#[tokio::test]
async fn atuin_scripts_sqlite() {
    sqlite_history("atuin_scripts/sqlite", None).await;
}

#[tokio::test]
async fn vaultwarden_postgres() {
    postgres_history("vaultwarden/postgres", None).await;
}

#[tokio::test]
async fn diesel_tests_postgres() {
    postgres_history("diesel_tests/postgres", None).await;
}

#[tokio::test]
async fn docsrs_postgres() {
    postgres_history("docsrs/postgres", None).await;
}

#[tokio::test]
async fn atuin_server_postgres() {
    postgres_history("atuin_server/postgres", None).await;
}

#[tokio::test]
async fn vaultwarden_mysql() {
    // The migration drops a foreign key through `PREPARE` of a string built at run time.
    let refusal =
        ("2024-03-13-170000_sso_users_cascade/up.sql", 11, 1, "cannot tell what `PREPARE STMT FROM`");
    mysql_history("vaultwarden/mysql", Some(refusal)).await;
}

#[tokio::test]
async fn diesel_tests_mysql() {
    mysql_history("diesel_tests/mysql", None).await;
}

/// Histories written here for what the third-party ones do not use: enums, checks, partial and
/// expression indexes, composite keys, defaults of every kind, renames and redefinitions.
#[tokio::test]
async fn own_sqlite() {
    sqlite_history("own/sqlite", None).await;
}

#[tokio::test]
async fn own_postgres() {
    postgres_history("own/postgres", None).await;
}

#[tokio::test]
async fn own_mysql() {
    mysql_history("own/mysql", None).await;
}

/// The comparison above must be able to fail: a column added behind the replay's back, and a
/// type changed behind it, are both seen, on every database.
#[tokio::test]
async fn a_database_that_differs_from_the_replay_is_noticed() {
    const CREATE: &str = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(40) NOT NULL)";
    let replayed = |d: Dialect| {
        let mut s = Schema::default();
        apply_sql(d, &mut s, Path::new("create.sql"), CREATE).expect("replays");
        s.normalize(d);
        s
    };
    let mut lite = db::sqlite().await;
    sqlx::raw_sql(CREATE).execute(&mut lite).await.expect("creates");
    assert_eq!(
        replayed(Dialect::Sqlite).difference(&introspect_sqlite(&mut lite).await.expect("reads")),
        None
    );
    sqlx::raw_sql("ALTER TABLE notes ADD COLUMN extra TEXT").execute(&mut lite).await.expect("alters");
    let diff = replayed(Dialect::Sqlite).difference(&introspect_sqlite(&mut lite).await.expect("reads"));
    assert!(diff.is_some_and(|d| d.contains("extra")));

    if let Some(mut pg) = db::postgres("differs").await {
        sqlx::raw_sql(CREATE).execute(&mut pg).await.expect("creates");
        assert_eq!(
            replayed(Dialect::Postgres).difference(&introspect_postgres(&mut pg).await.expect("reads")),
            None
        );
        sqlx::raw_sql("ALTER TABLE notes ALTER COLUMN body TYPE VARCHAR(80)")
            .execute(&mut pg)
            .await
            .expect("alters");
        let diff =
            replayed(Dialect::Postgres).difference(&introspect_postgres(&mut pg).await.expect("reads"));
        assert!(diff.is_some_and(|d| d.contains("varchar(80)")));
    }
    if let Some(mut my) = db::mysql("differs").await {
        sqlx::raw_sql(CREATE).execute(&mut my).await.expect("creates");
        assert_eq!(
            replayed(Dialect::Mysql).difference(&introspect_mysql(&mut my).await.expect("reads")),
            None
        );
        sqlx::raw_sql("ALTER TABLE notes MODIFY body VARCHAR(40) NULL")
            .execute(&mut my)
            .await
            .expect("alters");
        let diff = replayed(Dialect::Mysql).difference(&introspect_mysql(&mut my).await.expect("reads"));
        assert!(diff.is_some_and(|d| d.contains("nullable: true")));
    }
}
