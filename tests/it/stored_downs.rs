//! Rollbacks an older binary can perform: each applied migration's down SQL is kept in the
//! database (`<history>_downs`, beside sqlx's table), so a release rolled back can revert the
//! migrations a newer release applied, which it does not have, after saying so. Each database:
//! a newer migrator applies, an older one sees the newer migrations as applied by a newer
//! release, refuses to apply over them, reverts them with the stored SQL, and the database is
//! then what its own migrations make.

use strata::Migrator;
use strata::migrate::{Backend, MigrateError, Progress};
use strata::schema::Dialect;

use crate::db;
use crate::migrate::migrator;

const V1: i64 = 20260101000000;
const V2: i64 = 20260102000000;
const V3: i64 = 20260103000000;
const V4: i64 = 20260104000000;

/// The releases: the newer one has V3 (a table, with a row-keeping down) and V4 (a column).
fn releases(d: Dialect) -> (Migrator, Migrator) {
    let text = if d == Dialect::Mysql { "VARCHAR(100)" } else { "TEXT" };
    let ms = [
        (
            V1,
            "accounts".to_owned(),
            format!("CREATE TABLE accounts (id INT PRIMARY KEY, name {text})"),
            Some("DROP TABLE accounts".to_owned()),
        ),
        (
            V2,
            "notes".to_owned(),
            format!("CREATE TABLE notes (id INT PRIMARY KEY, body {text})"),
            Some("DROP TABLE notes".to_owned()),
        ),
        (
            V3,
            "it's tags".to_owned(),
            format!("CREATE TABLE tags (id INT PRIMARY KEY, label {text} DEFAULT 'it''s \\ a tag')"),
            Some("DROP TABLE tags".to_owned()),
        ),
        (
            V4,
            "email".to_owned(),
            format!("ALTER TABLE accounts ADD COLUMN email {text}"),
            Some("ALTER TABLE accounts DROP COLUMN email".to_owned()),
        ),
    ];
    let as_refs = |n: usize| -> Vec<(i64, &str, &str, Option<&str>)> {
        ms[..n].iter().map(|(v, d, u, down)| (*v, d.as_str(), u.as_str(), down.as_deref())).collect()
    };
    (migrator(&as_refs(2)), migrator(&as_refs(4)))
}

async fn rows<DB: Backend>(pool: &sqlx::Pool<DB>, sql: &str) -> Vec<(String, i64, String)> {
    let mut conn = pool.acquire().await.expect("a connection");
    DB::rows(&mut conn, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn older_reverts<DB: Backend>(pool: sqlx::Pool<DB>) {
    let d = DB::DIALECT;
    let (older, newer) = releases(d);
    newer.run(&pool).await.unwrap_or_else(|e| panic!("{d:?}: {e}"));
    // Each down is kept, with the fingerprint of the schema the replay gave after its up.
    let kept = rows(
        &pool,
        "SELECT description, version, CASE WHEN fingerprint IS NULL THEN 'none' ELSE 'kept' END FROM _sqlx_migrations_downs ORDER BY version",
    )
    .await;
    assert_eq!(
        kept.iter().map(|r| (r.1, r.2.as_str())).collect::<Vec<_>>(),
        [(V1, "kept"), (V2, "kept"), (V3, "kept"), (V4, "kept")],
        "{d:?}"
    );

    // The older release sees them as applied by a newer release, and applies nothing over them.
    let status = older.status(&pool).await.expect("status");
    assert_eq!(status.stored, [V3, V4], "{d:?}");
    assert!(status.to_string().contains("NEWER     20260103000000_it's_tags"), "{status}");
    let e = older.run(&pool).await.expect_err("ahead");
    assert!(matches!(e, MigrateError::UnknownVersion { version: V3, .. }), "{e}");

    // One step back: the newest, from the stored SQL, said before it runs.
    let mut said = Vec::new();
    let report = older
        .undo_with(&pool, strata::migrate::Target::Steps(1), &mut |p| {
            if let Progress::Stored { migration } = p {
                said.push(migration.name());
            }
        })
        .await
        .unwrap_or_else(|e| panic!("{d:?}: {e}"));
    assert_eq!(said, ["20260104000000_email"]);
    assert_eq!((report.reverted.len(), report.stored.clone()), (1, vec!["20260104000000_email".to_owned()]));
    // Then down to the older release's head: V3 goes; the database is what its replay makes.
    let report = older.undo_to(&pool, Some(V2)).await.unwrap_or_else(|e| panic!("{d:?}: {e}"));
    assert_eq!(report.reverted.iter().map(|s| s.version).collect::<Vec<_>>(), [V3]);
    let status = older.status(&pool).await.expect("status");
    assert!(status.is_up_to_date(), "{d:?}: {status}");
    assert_eq!(older.differences_at(&pool, Some(V2)).await.expect("compares"), Vec::<String>::new(), "{d:?}");
    let kept =
        rows(&pool, "SELECT description, version, down_sql FROM _sqlx_migrations_downs ORDER BY version")
            .await;
    assert_eq!(
        kept.iter().map(|r| r.1).collect::<Vec<_>>(),
        [V1, V2],
        "{d:?}: the reverted ones' downs go with them"
    );

    // The newer release applies again, and everything goes to base.
    newer.run(&pool).await.expect("again");
    older.undo_to(&pool, None).await.unwrap_or_else(|e| panic!("{d:?}: {e}"));
    assert_eq!(newer.status(&pool).await.expect("status").current(), None);
    assert!(
        rows(&pool, "SELECT description, version, down_sql FROM _sqlx_migrations_downs").await.is_empty()
    );
}

#[tokio::test]
async fn an_older_binary_reverts_with_the_stored_downs_on_sqlite() {
    older_reverts::<sqlx::Sqlite>(db::sqlite_pool("stored_downs").await).await;
}

#[tokio::test]
async fn an_older_binary_reverts_with_the_stored_downs_on_postgres() {
    let Some(pool) = db::postgres_pool("stored_downs").await else { return };
    older_reverts::<sqlx::Postgres>(pool).await;
}

#[tokio::test]
async fn an_older_binary_reverts_with_the_stored_downs_on_mysql() {
    let Some(pool) = db::mysql_pool("stored_downs").await else { return };
    older_reverts::<sqlx::MySql>(pool).await;
}

/// `stamp` records a migration's description as it is, a quote and a backslash included, on
/// every database (MySQL reads a backslash in a literal as an escape).
#[tokio::test]
async fn stamp_records_a_description_as_it_is() {
    const DESCRIPTION: &str = "it's a \\ path";
    let m = migrator(&[(
        V1,
        DESCRIPTION,
        "CREATE TABLE stamped (id INT PRIMARY KEY)",
        Some("DROP TABLE stamped"),
    )]);
    let sqlite = db::sqlite_pool("stamp_description").await;
    m.stamp(&sqlite, Some(V1)).await.expect("stamps");
    let got: String = sqlx::query_scalar("SELECT description FROM _sqlx_migrations")
        .fetch_one(&sqlite)
        .await
        .expect("reads");
    assert_eq!(got, DESCRIPTION);
    if let Some(pool) = db::postgres_pool("stamp_description").await {
        m.stamp(&pool, Some(V1)).await.expect("stamps");
        let got: String = sqlx::query_scalar("SELECT description FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .expect("reads");
        assert_eq!(got, DESCRIPTION);
    }
    if let Some(pool) = db::mysql_pool("stamp_description").await {
        m.stamp(&pool, Some(V1)).await.expect("stamps");
        let got: String = sqlx::query_scalar("SELECT CAST(description AS CHAR) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .expect("reads");
        assert_eq!(got, DESCRIPTION);
    }
}
