//! `strata::testing::round_trip` on real databases: our own histories, every third-party
//! history with down files, and a down that does not restore what its up did.

use std::path::Path;

use strata::Migrator;
use strata::schema::{Dialect, MigrationSet};
use strata::testing::{RoundTripError, Step, round_trip};

use crate::db;

fn migrator(dir: &Path, dialect: Dialect) -> Option<Migrator> {
    if !dir.is_dir() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{} is missing, and CI=true", dir.display());
        eprintln!("skipped: {} is not here", dir.display());
        return None;
    }
    Some(Migrator::from_set(&MigrationSet::load(dir, Some(dialect)).expect("the history reads")))
}

fn own(d: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrate").join(d)
}

fn fixture(history: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures").join(history)
}

#[tokio::test]
async fn own_histories_round_trip() {
    let pool = db::sqlite_pool("rt_own").await;
    let m = migrator(&own("sqlite"), Dialect::Sqlite).expect("ours is here");
    let report = round_trip(&pool, &m).await.expect("round trips");
    assert_eq!(report.checked.len(), 3);
    if let Some(pool) = db::postgres_pool("rt_own").await {
        let m = migrator(&own("postgres"), Dialect::Postgres).expect("ours is here");
        assert_eq!(round_trip(&pool, &m).await.expect("round trips").checked.len(), 3);
    }
    if let Some(pool) = db::mysql_pool("rt_own").await {
        let m = migrator(&own("mysql"), Dialect::Mysql).expect("ours is here");
        assert_eq!(round_trip(&pool, &m).await.expect("round trips").checked.len(), 3);
    }
}

#[tokio::test]
async fn a_down_that_does_not_restore_is_caught() {
    let dir = std::env::temp_dir().join(format!("strata-rt-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("1_t.up.sql"), "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);")
        .expect("write");
    std::fs::write(dir.join("1_t.down.sql"), "DROP TABLE t;").expect("write");
    std::fs::write(
        dir.join("2_ix.up.sql"),
        "CREATE INDEX t_name ON t (name);\nALTER TABLE t ADD COLUMN extra TEXT;",
    )
    .expect("write");
    std::fs::write(dir.join("2_ix.down.sql"), "ALTER TABLE t DROP COLUMN extra;").expect("write");
    let m = migrator(&dir, Dialect::Sqlite).expect("written");
    let pool = db::sqlite_pool("rt_bad").await;
    let e = round_trip(&pool, &m).await.expect_err("the index stays behind");
    let text = e.to_string();
    assert!(matches!(e, RoundTripError::Differs { step: Step::Down, .. }), "{text}");
    assert!(text.contains("2_ix") && text.contains("t_name"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Every third-party history with down files. Where a project's down does not restore what
/// its up did, the test names the migration and the difference rather than hiding it.
#[tokio::test]
async fn fixture_histories_with_downs_round_trip() {
    // (history, dialect, None if it round-trips, or words of the expected finding)
    let cases: [(&str, Dialect, Option<&[&str]>); 4] = [
        ("diesel_tests/sqlite", Dialect::Sqlite, None),
        ("diesel_tests/postgres", Dialect::Postgres, None),
        // diesel's MySQL down drops the foreign keys, and MySQL keeps the indexes it made for them.
        (
            "diesel_tests/mysql",
            Dialect::Mysql,
            Some(&["the down of 20170804172328_add_foreign_keys", "comments_post_id_fkey"]),
        ),
        // docs.rs re-adds `releases.build_status` as a nullable column with no default, where
        // it was `NOT NULL DEFAULT false`.
        (
            "docsrs/postgres",
            Dialect::Postgres,
            Some(&["the down of 20240221104457_drop_releases_build_status", "`releases.build_status`"]),
        ),
    ];
    for (history, dialect, finding) in cases {
        let Some(m) = migrator(&fixture(history), dialect) else { continue };
        let name = format!("rt_{}", history.replace('/', "_"));
        let result = match dialect {
            Dialect::Sqlite => Some(round_trip(&db::sqlite_pool(&name).await, &m).await),
            Dialect::Postgres => match db::postgres_pool(&name).await {
                Some(pool) => Some(round_trip(&pool, &m).await),
                None => None,
            },
            Dialect::Mysql => match db::mysql_pool(&name).await {
                Some(pool) => Some(round_trip(&pool, &m).await),
                None => None,
            },
        };
        match (result, finding) {
            (None, _) => {}
            (Some(Ok(report)), None) => assert!(!report.checked.is_empty(), "{history}"),
            (Some(Err(e)), None) => panic!("{history}: {e}"),
            (Some(Ok(_)), Some(words)) => panic!("{history}: expected the round trip to find {words:?}"),
            (Some(Err(e)), Some(words)) => {
                let text = e.to_string();
                assert!(
                    words.iter().all(|w| text.contains(w)),
                    "{history}: another finding than {words:?}:\n{text}"
                );
            }
        }
    }
}

/// atuin's script history has a down migration in MySQL's syntax that SQLite refuses
/// (`alter table scripts drop index name_uniq_idx`): the round trip reports that revert.
#[tokio::test]
async fn atuin_scripts_down_is_not_sqlite() {
    let Some(m) = migrator(&fixture("atuin_scripts/sqlite"), Dialect::Sqlite) else { return };
    let pool = db::sqlite_pool("rt_atuin_scripts").await;
    let e = round_trip(&pool, &m).await.expect_err("SQLite refuses the down");
    let text = e.to_string();
    assert!(text.contains("reverting migration 20250402170430_unique_names failed"), "{text}");
}

/// vaultwarden's down migrations are empty on purpose (its README says so): the round trip
/// says that the first of them does not restore the schema, rather than hiding it.
#[tokio::test]
async fn vaultwarden_downs_are_no_ops_by_policy() {
    let Some(m) = migrator(&fixture("vaultwarden/sqlite"), Dialect::Sqlite) else { return };
    let pool = db::sqlite_pool("rt_vaultwarden").await;
    let e = round_trip(&pool, &m).await.expect_err("an empty down restores nothing");
    assert!(matches!(e, RoundTripError::Differs { step: Step::Down, .. }), "{e}");
}
