//! MySQL commits DDL as it goes, so a migration can stop with some of its statements in. strata
//! records its progress statement by statement: the run that fails says which statements are
//! in, `status` shows it, the next run carries on from the statement that failed and runs none
//! twice, and `mark` records what a person did by hand.

use strata::migrate::{Mark, MigrateError};

use crate::db;
use crate::migrate::migrator;

const ONE: (i64, &str, &str, Option<&str>) = (1, "ok", "CREATE TABLE ok_t (id INT)", Some("DROP TABLE ok_t"));

/// Statement 3 fails: a table that exists already.
const BROKEN: &str = "CREATE TABLE half_t (id INT);\nINSERT INTO half_t VALUES (1);\nCREATE TABLE half_t (id INT);\nCREATE TABLE after_t (id INT);";
const FIXED: &str = "CREATE TABLE half_t (id INT);\nINSERT INTO half_t VALUES (1);\nCREATE TABLE fixed_t (id INT);\nCREATE TABLE after_t (id INT);";
const DOWN: &str = "DROP TABLE after_t;\nDROP TABLE fixed_t;\nDROP TABLE half_t;";

async fn rows(pool: &sqlx::MySqlPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM half_t").fetch_one(pool).await.expect("counts")
}

async fn tables(pool: &sqlx::MySqlPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .map(|mut t: Vec<String>| {
        t.sort();
        t
    })
    .expect("lists")
}

#[tokio::test]
async fn mysql_carries_on_from_the_statement_that_failed() {
    let Some(pool) = db::mysql_pool("resume_fix").await else { return };
    let broken = migrator(&[ONE, (2, "half", BROKEN, Some(DOWN))]);
    let e = broken.run(&pool).await.expect_err("statement 3 fails");
    let text = e.to_string();
    assert!(
        matches!(
            e,
            MigrateError::Stopped {
                statement: (3, 4),
                committed: 2,
                lost: false,
                position: Some((3, 1)),
                reverting: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        text.contains("failed at statement 3 of 4") && text.contains("statements 1–2 are in the database"),
        "{text}"
    );
    let status = broken.status(&pool).await.expect("status");
    assert!(status.is_inconsistent(), "{status}");
    assert!(status.to_string().contains("HALF      2_half  (statements 1–2 of 4 are in; statement 3 failed: Table 'half_t' already exists)"), "{status}");

    // Unchanged, it fails again at the same statement, without running the first two again.
    let e = broken.run(&pool).await.expect_err("statement 3 fails again");
    assert!(matches!(e, MigrateError::Stopped { statement: (3, 4), committed: 2, .. }), "{e:?}");
    assert_eq!(rows(&pool).await, 1, "the INSERT of statement 2 ran once");

    // Nothing else runs while it is half done.
    let e = broken.undo(&pool, 1).await.expect_err("down refuses");
    assert!(matches!(e, MigrateError::Unfinished { version: 2, reverting: false, .. }), "{e}");

    // Fixed, the run carries on from statement 3.
    let fixed = migrator(&[ONE, (2, "half", FIXED, Some(DOWN))]);
    let report = fixed.run(&pool).await.expect("carries on");
    assert_eq!(report.applied.iter().map(|s| s.version).collect::<Vec<_>>(), vec![2]);
    assert_eq!(rows(&pool).await, 1, "the INSERT of statement 2 ran once");
    assert!(fixed.status(&pool).await.expect("status").is_up_to_date());
    assert_eq!(fixed.differences_at(&pool, Some(2)).await.expect("compares"), Vec::<String>::new());
    let t = tables(&pool).await;
    assert!(["after_t", "fixed_t", "half_t"].iter().all(|x| t.contains(&x.to_string())), "{t:?}");
    assert!(t.contains(&"_sqlx_migrations_progress".to_owned()), "{t:?}");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations_progress")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(left, 0, "no progress is left once it is done");

    // A statement that is in may not change while the migration is half done.
    fixed.undo(&pool, 1).await.expect("reverts");
    broken.run(&pool).await.expect_err("statement 3 fails");
    let edited = migrator(&[ONE, (2, "half", &FIXED.replace("VALUES (1)", "VALUES (2)"), Some(DOWN))]);
    let e = edited.run(&pool).await.expect_err("statement 2 changed");
    assert!(matches!(e, MigrateError::ChangedInPart { done: 2, reverting: false, .. }), "{e}");
    assert_eq!(rows(&pool).await, 1);
}

/// A first statement that fails leaves nothing in: the history is as if it had never run.
#[tokio::test]
async fn mysql_forgets_a_migration_whose_first_statement_fails() {
    let Some(pool) = db::mysql_pool("resume_first").await else { return };
    let m = migrator(&[ONE, (2, "bad", "CREATE TABLE ok_t (id INT);\nCREATE TABLE b (id INT);", None)]);
    let e = m.run(&pool).await.expect_err("fails");
    assert!(
        matches!(e, MigrateError::Failed { statement: Some((1, 2)), position: Some((1, 1)), .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("so the database stays at version 1 (1_ok)"), "{e}");
    let status = m.status(&pool).await.expect("status");
    assert!(!status.is_inconsistent() && status.pending().count() == 1, "{status}");

    // A syntax error is shown where MySQL found it: its line in the statement, and the column
    // where the text it quotes starts.
    let m = migrator(&[
        ONE,
        (
            2,
            "syntax",
            "CREATE TABLE a1 (id INT);\nCREATE TABLE a2 (id INT,\n  name TEXT,\n  ,oops INT);",
            None,
        ),
    ]);
    let e = m.run(&pool).await.expect_err("fails");
    assert!(matches!(e, MigrateError::Stopped { statement: (2, 2), position: Some((4, 4)), .. }), "{e:?}");
}

/// The end of a migration is recorded in the transaction that records the start of the next
/// (two commits a migration, not three); when that transaction is rolled back, because the
/// next one's first statements are data that fail, the end is still recorded, up and down.
#[tokio::test]
async fn mysql_records_the_end_of_the_migration_before_one_that_fails() {
    let Some(pool) = db::mysql_pool("resume_carry").await else { return };
    let recorded = async |version: i64| -> (Option<bool>, i64) {
        let success = sqlx::query_scalar("SELECT success FROM _sqlx_migrations WHERE version = ?")
            .bind(version)
            .fetch_optional(&pool)
            .await
            .expect("reads the history");
        let progress = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations_progress WHERE version = ?")
            .bind(version)
            .fetch_one(&pool)
            .await
            .expect("reads the progress");
        (success, progress)
    };
    let data = (2, "data", "INSERT INTO missing_t VALUES (1);\nINSERT INTO ok_t VALUES (1);", None);
    let e = migrator(&[ONE, data]).run(&pool).await.expect_err("fails");
    assert!(matches!(e, MigrateError::Failed { statement: Some((1, 2)), .. }), "{e:?}");
    assert_eq!(recorded(1).await, (Some(true), 0));
    assert_eq!(recorded(2).await, (None, 0));

    let two = (2, "two", "CREATE TABLE two_t (id INT)", Some("DELETE FROM missing_t;\nDROP TABLE two_t;"));
    let three = (3, "three", "CREATE TABLE three_t (id INT)", Some("DROP TABLE three_t"));
    let m = migrator(&[ONE, two, three]);
    m.run(&pool).await.expect("applies 2 and 3");
    assert_eq!((recorded(2).await, recorded(3).await), ((Some(true), 0), (Some(true), 0)));
    let e = m.undo(&pool, 3).await.expect_err("the down of 2 fails");
    assert!(matches!(e, MigrateError::RevertFailed { .. }), "{e:?}");
    assert_eq!(recorded(3).await, (None, 0), "3 is reverted, and recorded so");
    assert_eq!(recorded(2).await, (Some(true), 0), "2 is applied still");
    assert_eq!(
        tables(&pool).await,
        ["_sqlx_migrations", "_sqlx_migrations_downs", "_sqlx_migrations_progress", "ok_t", "two_t"]
    );
}

#[tokio::test]
async fn mysql_mark_records_what_was_done_by_hand() {
    let Some(pool) = db::mysql_pool("resume_mark").await else { return };
    let broken = migrator(&[ONE, (2, "half", BROKEN, Some(DOWN))]);
    let fixed = migrator(&[ONE, (2, "half", FIXED, Some(DOWN))]);

    // Undone by hand.
    broken.run(&pool).await.expect_err("statement 3 fails");
    sqlx::raw_sql("DROP TABLE half_t").execute(&pool).await.expect("undone by hand");
    broken.mark(&pool, 2, Mark::Undone).await.expect("marks");
    let status = broken.status(&pool).await.expect("status");
    assert!(!status.is_inconsistent() && status.pending().count() == 1, "{status}");
    fixed.run(&pool).await.expect("applies from the start");
    assert_eq!(rows(&pool).await, 1);

    // Finished by hand.
    fixed.undo(&pool, 1).await.expect("reverts");
    broken.run(&pool).await.expect_err("statement 3 fails");
    sqlx::raw_sql("CREATE TABLE fixed_t (id INT); CREATE TABLE after_t (id INT)")
        .execute(&pool)
        .await
        .expect("by hand");
    fixed.mark(&pool, 2, Mark::Done).await.expect("marks");
    assert!(fixed.status(&pool).await.expect("status").is_up_to_date());
    assert_eq!(fixed.differences_at(&pool, Some(2)).await.expect("compares"), Vec::<String>::new());

    // Statement 3 run by hand: --through 3, and the run carries on from 4.
    fixed.undo(&pool, 1).await.expect("reverts");
    broken.run(&pool).await.expect_err("statement 3 fails");
    sqlx::raw_sql("CREATE TABLE fixed_t (id INT)").execute(&pool).await.expect("by hand");
    fixed.mark(&pool, 2, Mark::Through(3)).await.expect("marks");
    fixed.run(&pool).await.expect("carries on from 4");
    assert_eq!(fixed.differences_at(&pool, Some(2)).await.expect("compares"), Vec::<String>::new());
    assert_eq!(rows(&pool).await, 1);

    let e = fixed.mark(&pool, 2, Mark::Done).await.expect_err("nothing half done");
    assert!(matches!(e, MigrateError::NotHalfDone { .. }), "{e}");
}

/// The run stopped while a DDL statement ran (here: recorded as running by hand, as a `kill -9`
/// leaves it): the next run compares the database with the replay to tell whether it is in.
#[tokio::test]
async fn mysql_decides_about_the_statement_that_was_running() {
    let Some(pool) = db::mysql_pool("resume_running").await else { return };
    let broken = migrator(&[ONE, (2, "half", BROKEN, Some(DOWN))]);
    let fixed = migrator(&[ONE, (2, "half", FIXED, Some(DOWN))]);
    let running = "UPDATE _sqlx_migrations_progress SET running = 3, failed = NULL, error = NULL";

    // It is in.
    broken.run(&pool).await.expect_err("statement 3 fails");
    sqlx::raw_sql("CREATE TABLE fixed_t (id INT)").execute(&pool).await.expect("statement 3 went in");
    sqlx::raw_sql(running).execute(&pool).await.expect("recorded as running");
    fixed.run(&pool).await.expect("finds statement 3 in, carries on from 4");
    assert_eq!(fixed.differences_at(&pool, Some(2)).await.expect("compares"), Vec::<String>::new());

    // It is not in.
    fixed.undo(&pool, 1).await.expect("reverts");
    broken.run(&pool).await.expect_err("statement 3 fails");
    sqlx::raw_sql(running).execute(&pool).await.expect("recorded as running");
    fixed.run(&pool).await.expect("finds statement 3 not in, runs it");
    assert_eq!(fixed.differences_at(&pool, Some(2)).await.expect("compares"), Vec::<String>::new());
    assert_eq!(rows(&pool).await, 1);

    // The database matches neither: strata says it cannot tell, and changes nothing.
    fixed.undo(&pool, 1).await.expect("reverts");
    broken.run(&pool).await.expect_err("statement 3 fails");
    sqlx::raw_sql("CREATE TABLE stray (id INT)").execute(&pool).await.expect("a stray table");
    sqlx::raw_sql(running).execute(&pool).await.expect("recorded as running");
    let e = fixed.run(&pool).await.expect_err("cannot tell");
    assert!(matches!(e, MigrateError::Undecided { statement: 3, .. }), "{e}");
    assert!(e.to_string().contains("--through 3") && e.to_string().contains("--through 2"), "{e}");
    sqlx::raw_sql("DROP TABLE stray").execute(&pool).await.expect("drops");
    fixed.run(&pool).await.expect("now it can tell");
    assert_eq!(fixed.differences_at(&pool, Some(2)).await.expect("compares"), Vec::<String>::new());
}

/// A down that stops partway is carried on by the next revert; `up` refuses meanwhile.
#[tokio::test]
async fn mysql_carries_on_a_revert_that_stopped() {
    let Some(pool) = db::mysql_pool("resume_down").await else { return };
    let broken_down =
        "DROP TABLE after_t;\nDROP TABLE nothing_here;\nDROP TABLE fixed_t;\nDROP TABLE half_t;";
    let broken = migrator(&[ONE, (2, "half", FIXED, Some(broken_down))]);
    let fixed = migrator(&[ONE, (2, "half", FIXED, Some(DOWN))]);
    broken.run(&pool).await.expect("applies");
    let e = broken.undo(&pool, 1).await.expect_err("statement 2 of the down fails");
    assert!(
        matches!(
            e,
            MigrateError::Stopped {
                reverting: true,
                statement: (2, 4),
                committed: 1,
                position: Some((2, 1)),
                ..
            }
        ),
        "{e:?}"
    );
    let e = broken.run(&pool).await.expect_err("up refuses while it is half reverted");
    assert!(matches!(e, MigrateError::Unfinished { reverting: true, .. }), "{e}");
    let fixed_down =
        "DROP TABLE after_t;\nDROP TABLE IF EXISTS nothing_here;\nDROP TABLE fixed_t;\nDROP TABLE half_t;";
    let fixed_revert = migrator(&[ONE, (2, "half", FIXED, Some(fixed_down))]);
    let report = fixed_revert.undo(&pool, 1).await.expect("carries on");
    assert_eq!(report.reverted.len(), 1);
    let status = fixed.status(&pool).await.expect("status");
    assert!(!status.is_inconsistent() && status.pending().count() == 1, "{status}");
    assert_eq!(
        tables(&pool).await,
        vec!["_sqlx_migrations", "_sqlx_migrations_downs", "_sqlx_migrations_progress", "ok_t"]
    );
}

/// A data migration larger than the server takes in one packet (`max_allowed_packet`, 16 MiB on
/// MariaDB 10.11) applies: its statements go in groups well under the limit. A single statement
/// over the limit is refused before anything runs, naming the limit.
#[tokio::test]
async fn mysql_sends_a_large_migration_in_pieces_and_names_the_packet_limit() {
    let Some(pool) = db::mysql_pool("resume_large").await else { return };
    let limit: u64 = sqlx::query_scalar("SELECT @@max_allowed_packet").fetch_one(&pool).await.expect("reads");
    let row = |i: usize| format!("({i}, '{}')", "x".repeat(120));
    let mut big = String::from("CREATE TABLE big (id INT PRIMARY KEY, note TEXT);\n");
    let mut i = 0;
    while (big.len() as u64) < limit + limit / 8 {
        let rows: Vec<String> = (i..i + 100).map(row).collect();
        big.push_str(&format!("INSERT INTO big (id, note) VALUES {};\n", rows.join(", ")));
        i += 100;
    }
    let m = migrator(&[(1, "big", &big, Some("DROP TABLE big"))]);
    m.run(&pool).await.expect("applies in pieces");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM big").fetch_one(&pool).await.expect("counts");
    assert_eq!(n, i64::try_from(i).expect("fits"));
    m.undo(&pool, 1).await.expect("reverts");

    let rows: Vec<String> = (0..(limit as usize / 120)).map(row).collect();
    let one = format!(
        "CREATE TABLE one (id INT PRIMARY KEY, note TEXT);\n\nINSERT INTO one (id, note) VALUES {};\n",
        rows.join(", ")
    );
    let m = migrator(&[(1, "one", &one, Some("DROP TABLE one"))]);
    let e = m.run(&pool).await.expect_err("too large");
    assert!(matches!(e, MigrateError::TooLarge { statement: (2, 2), position: Some((3, 1)), .. }), "{e:?}");
    assert!(e.to_string().contains(&format!("(`max_allowed_packet` = {limit}); nothing was run")), "{e}");
    assert!(tables(&pool).await.iter().all(|t| t.starts_with("_sqlx")), "nothing was created");
}

/// PostgreSQL runs a `-- no-transaction` migration statement by statement, each committed on its
/// own (`CREATE INDEX CONCURRENTLY` refuses a transaction): it is recorded as it goes, as on
/// MySQL, and a run that stops partway is carried on, never run twice.
#[tokio::test]
async fn postgres_carries_on_a_no_transaction_migration_that_stopped() {
    let Some(pool) = db::postgres_pool("resume_pg").await else { return };
    let up = |third: &str| {
        format!(
            "-- no-transaction\nCREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n{third};\nCREATE TABLE b (id INT);\n"
        )
    };
    let down =
        "-- no-transaction\nDROP TABLE b;\nDROP INDEX CONCURRENTLY a_id;\nDROP TABLE c;\nDROP TABLE a;\n";
    let broken = migrator(&[ONE, (2, "half", &up("CREATE TABLE a (id INT)"), Some(down))]);
    let e = broken.run(&pool).await.expect_err("statement 4 fails");
    assert!(
        matches!(
            e,
            MigrateError::Stopped {
                statement: (4, 5),
                committed: 3,
                lost: false,
                position: Some((5, 1)),
                ..
            }
        ),
        "{e:?}"
    );
    let status = broken.status(&pool).await.expect("status");
    assert!(
        status
            .to_string()
            .contains("statements 1–3 of 5 are in; statement 4 failed: relation \"a\" already exists"),
        "{status}"
    );
    let fixed = migrator(&[ONE, (2, "half", &up("CREATE TABLE c (id INT)"), Some(down))]);
    fixed.run(&pool).await.expect("carries on from statement 4");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM a").fetch_one(&pool).await.expect("counts");
    assert_eq!(n, 1, "the INSERT ran once");
    assert!(fixed.status(&pool).await.expect("status").is_up_to_date());
    assert_eq!(fixed.differences_at(&pool, Some(2)).await.expect("compares"), Vec::<String>::new());
    // Its down, the same way; the first statement failing leaves it applied, as before.
    let bad_down = migrator(&[
        ONE,
        (2, "half", &up("CREATE TABLE c (id INT)"), Some("-- no-transaction\nDROP TABLE nothing;\n")),
    ]);
    let e = bad_down.undo(&pool, 1).await.expect_err("fails");
    assert!(matches!(e, MigrateError::RevertFailed { statement: Some((1, 1)), .. }), "{e:?}");
    assert!(fixed.status(&pool).await.expect("status").is_up_to_date());
    fixed.undo(&pool, 1).await.expect("reverts");
    assert_eq!(fixed.differences_at(&pool, Some(1)).await.expect("compares"), Vec::<String>::new());
}
