//! Squashing (`strata squash`): the squash of a history, written as a user's directory holds it,
//! proven on every database by both paths. A database that ran the old migrations (with rows in
//! its tables) counts the squash as applied and carries on; a new database runs the squash; the
//! two hold the same schema, and both go down to base and up again. A database part-way
//! through the squashed migrations, or one whose history disagrees with the squash, is refused
//! and left as it was.

use std::path::{Path, PathBuf};

use strata::Migrator;
use strata::migrate::{Backend, MigrateError};
use strata::schema::diff::{MIGRATIONS_VS_DATABASE, describe};
use strata::schema::squash::{Keep, squash};
use strata::schema::{Dialect, MigrationSet};

use crate::db;

static BEFORE: Migrator = strata::embed_migrations!("../migrate/sqlite");
/// `tests/migrate/sqlite` squashed to its second migration by `strata squash`.
static SQUASHED: Migrator = strata::embed_migrations!("../migrate/squashed_sqlite");

const V2: i64 = 20260102000000;
const V5: i64 = 20260105000000;
const V6: i64 = 20260106000000;

/// The history: tables, a key, a column and its index, an `UPDATE`, a seeded row and a view,
/// then one more migration after the squash.
fn history(d: Dialect) -> Vec<(i64, &'static str, String, String)> {
    let text = if d == Dialect::Mysql { "VARCHAR(100)" } else { "TEXT" };
    vec![
        (
            20260101000000,
            "accounts",
            format!("CREATE TABLE accounts (id INT PRIMARY KEY, name {text} NOT NULL);\n"),
            "DROP TABLE accounts;\n".into(),
        ),
        (
            V2,
            "notes",
            format!(
                "CREATE TABLE notes (id INT PRIMARY KEY, account_id INT NOT NULL REFERENCES accounts (id), body {text});\n"
            ),
            "DROP TABLE notes;\n".into(),
        ),
        (
            20260103000000,
            "email",
            format!(
                "ALTER TABLE accounts ADD COLUMN email {text};\nUPDATE accounts SET email = name;\nCREATE INDEX accounts_email ON accounts (email);\n"
            ),
            if d == Dialect::Mysql {
                "DROP INDEX accounts_email ON accounts;\nALTER TABLE accounts DROP COLUMN email;\n".into()
            } else {
                "DROP INDEX accounts_email;\nALTER TABLE accounts DROP COLUMN email;\n".into()
            },
        ),
        (
            20260104000000,
            "admin",
            "INSERT INTO accounts (id, name, email) VALUES (1, 'admin', 'admin@example.com');\n".into(),
            "DELETE FROM accounts WHERE id = 1;\n".into(),
        ),
        (
            V5,
            "names",
            "CREATE VIEW account_names AS SELECT id, name FROM accounts;\n".into(),
            "DROP VIEW account_names;\n".into(),
        ),
        (
            V6,
            "tags",
            format!("CREATE TABLE tags (id INT PRIMARY KEY, label {text});\n"),
            "DROP TABLE tags;\n".into(),
        ),
    ]
}

/// A migrations directory of `d`'s history, as sqlx lays it out.
fn directory(d: Dialect, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-squash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the directory");
    std::fs::write(dir.join("strata.toml"), format!("dialect = \"{}\"\n", d.name())).expect("strata.toml");
    for (version, name, up, down) in history(d) {
        std::fs::write(dir.join(format!("{version}_{name}.up.sql")), up).expect("up");
        std::fs::write(dir.join(format!("{version}_{name}.down.sql")), down).expect("down");
    }
    dir
}

/// Squashes `dir` to V5, carrying the seeded row and the view, as `strata squash` writes it.
fn squashed(dir: &Path) -> MigrationSet {
    let set = MigrationSet::load(dir, None).expect("loads");
    let through = set.migrations.iter().position(|m| m.version_number == V5).expect("V5");
    let s = squash(&set, through, Keep::Carry).expect("squashes");
    for m in &set.migrations[..=through] {
        std::fs::remove_file(&m.up.path).expect("removes");
        std::fs::remove_file(&m.down.as_ref().expect("a down").path).expect("removes");
    }
    std::fs::write(dir.join(format!("{V5}_squashed.up.sql")), &s.up).expect("up");
    std::fs::write(dir.join(format!("{V5}_squashed.down.sql")), &s.down).expect("down");
    MigrationSet::load(dir, None).expect("the squashed directory loads")
}

async fn exec<DB: Backend>(pool: &sqlx::Pool<DB>, sql: &str) {
    let mut conn = pool.acquire().await.expect("a connection");
    DB::execute(&mut conn, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn schema_of<DB: Backend>(pool: &sqlx::Pool<DB>, m: &Migrator) -> strata::schema::Schema {
    let mut conn = pool.acquire().await.expect("a connection");
    let mut s = DB::introspect(&mut conn).await.expect("introspects");
    s.remove_table(m.table());
    s.remove_table(&strata::migrate::progress_table(m.table()));
    s.normalize(DB::DIALECT);
    s
}

/// Whether the view the history made answers, and with the seeded row.
async fn admin_rows<DB: Backend>(pool: &sqlx::Pool<DB>) -> i64 {
    let mut conn = pool.acquire().await.expect("a connection");
    let (int, text) = if DB::DIALECT == Dialect::Mysql { ("SIGNED", "CHAR") } else { ("BIGINT", "TEXT") };
    let sql = format!(
        "SELECT CAST('' AS {text}), CAST(COUNT(*) AS {int}), CAST('' AS {text}) FROM account_names WHERE name = 'admin'"
    );
    DB::rows(&mut conn, &sql).await.expect("reads the view")[0].1
}

async fn both_paths<DB: Backend>(fresh: impl AsyncFn(&str) -> Option<sqlx::Pool<DB>>) {
    let d = DB::DIALECT;
    let tag = d.name();
    let dir = directory(d, tag);
    let before = Migrator::from_set(&MigrationSet::load(&dir, None).expect("loads"));
    let Some(old) = fresh(&format!("squash_old_{tag}")).await else { return };
    let Some(new) = fresh(&format!("squash_new_{tag}")).await else { return };
    let Some(part) = fresh(&format!("squash_part_{tag}")).await else { return };

    // A database of the release before the squash, at V5, with rows.
    before.run_to(&old, V5).await.expect("the old history applies");
    exec(&old, "INSERT INTO notes (id, account_id, body) VALUES (1, 1, 'kept')").await;
    before.run_to(&part, V2).await.expect("part of it applies");

    let set = squashed(&dir);
    assert_eq!(set.migrations.len(), 2, "the squash and V6");
    assert_eq!(set.migrations[0].replaces.len(), 5);
    let after = Migrator::from_set(&set);

    // The old database: the squash counts as applied, V6 is the one pending.
    let status = after.status(&old).await.expect("status");
    assert!(status.unknown.is_empty(), "{d:?}: {status}");
    assert_eq!(status.pending().map(|m| m.version).collect::<Vec<_>>(), [V6], "{d:?}: {status}");
    assert!(!status.is_inconsistent(), "{d:?}: {status}");
    assert!(status.to_string().contains("as the 5 migrations it squashes"), "{status}");
    let report = after.run(&old).await.expect("carries on");
    assert_eq!(report.applied.iter().map(|s| s.version).collect::<Vec<_>>(), [V6]);
    assert_eq!(after.differences_at(&old, Some(V6)).await.expect("compares"), Vec::<String>::new(), "{d:?}");

    // A new database runs the squash, with what it carries.
    let report = after.run(&new).await.expect("the squash applies");
    assert_eq!(report.applied.iter().map(|s| s.version).collect::<Vec<_>>(), [V5, V6]);
    assert_eq!(after.differences_at(&new, Some(V6)).await.expect("compares"), Vec::<String>::new(), "{d:?}");
    assert_eq!(admin_rows(&new).await, 1, "{d:?}: the seeded row and the view came with the squash");
    let (a, b) = (schema_of(&old, &after).await, schema_of(&new, &after).await);
    assert_eq!(describe(d, &MIGRATIONS_VS_DATABASE, &a, &b), None, "{d:?}: the two paths differ");

    // Part-way through the squashed migrations: refused, nothing run.
    let e = after.run(&part).await.expect_err("refused");
    assert!(matches!(e, MigrateError::PartlySquashed { applied: 2, total: 5, .. }), "{d:?}: {e}");
    assert!(e.to_string().contains(&format!("bring the database to {V5}_names")), "{e}");
    let status = after.status(&part).await.expect("status");
    assert!(status.to_string().contains("PART      "), "{status}");
    assert!(status.is_inconsistent() && status.pending().map(|m| m.version).eq([V6]), "{status}");
    assert_eq!(before.status(&part).await.expect("status").current(), Some(V2), "nothing was run");

    // A squashed version is no place to stop.
    let e = after.undo_to(&old, Some(V2)).await.expect_err("refused");
    assert!(matches!(e, MigrateError::SquashedTarget { version: V2, .. }), "{e}");

    // Both go down to base (the old one's five rows go with the squash) and up again.
    for pool in [&old, &new] {
        after.undo_to(pool, None).await.unwrap_or_else(|e| panic!("{d:?}: {e}"));
        let s = after.status(pool).await.expect("status");
        assert_eq!((s.current(), s.unknown.len()), (None, 0), "{d:?}: {s}");
        assert!(schema_of(pool, &after).await.tables.is_empty(), "{d:?}");
    }
    // The round trip: each migration up, down and up again, compared with the replay.
    strata::testing::round_trip(&new, &after).await.unwrap_or_else(|e| panic!("{d:?}: {e}"));

    // A history whose record of a squashed migration is not the squash's: refused.
    before.run_to(&part, V5).await.expect("the rest of the old history");
    exec(&part, &format!("UPDATE _sqlx_migrations SET checksum = {} WHERE version = {V2}", zeros(d))).await;
    let e = after.run(&part).await.expect_err("refused");
    assert!(matches!(e, MigrateError::SquashedChecksum { .. }), "{d:?}: {e}");
    assert!(e.to_string().contains(&format!("migration {V2}_notes, which {V5}_squashed squashes")), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A squash embedded by the macro carries what it replaces: a database the release before
/// migrated to the squashed version is at it, and one it left part-way is refused.
#[tokio::test]
async fn an_embedded_squash_knows_what_it_replaces() {
    let squash = &SQUASHED.migrations()[0];
    assert_eq!(squash.name(), "20260102000000_accounts_and_notes");
    assert_eq!(
        squash.replaces.iter().map(|r| r.name).collect::<Vec<_>>(),
        ["20260101000000_accounts", "20260102000000_notes"]
    );
    let old = db::sqlite_pool("squash_embedded").await;
    BEFORE.run_to(&old, V2).await.expect("the release before");
    let status = SQUASHED.status(&old).await.expect("status");
    assert_eq!((status.current(), status.pending().count()), (Some(V2), 1), "{status}");
    SQUASHED.run(&old).await.expect("carries on");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrate/squashed_sqlite");
    let set = MigrationSet::load(&dir, None).expect("loads");
    assert_eq!(crate::data_steps::agrees(&old, &set, &SQUASHED).await, None);
    SQUASHED.undo_to(&old, None).await.expect("down to base");
    assert_eq!(BEFORE.status(&old).await.expect("status").current(), None, "no row is left");

    let part = db::sqlite_pool("squash_embedded_part").await;
    BEFORE.run_to(&part, 20260101000000).await.expect("one of the two");
    let e = SQUASHED.run(&part).await.expect_err("refused");
    assert!(e.to_string().starts_with("the database applied 1 of the 2 migrations squashed into 20260102000000_accounts_and_notes (the newest it has is 20260101000000_accounts)"), "{e}");
}

/// 48 zero bytes as `d` writes a binary literal.
fn zeros(d: Dialect) -> String {
    let hex = "00".repeat(48);
    match d {
        Dialect::Postgres => format!("'\\x{hex}'::bytea"),
        _ => format!("X'{hex}'"),
    }
}

#[tokio::test]
async fn a_squash_is_proven_by_both_paths_on_sqlite() {
    both_paths::<sqlx::Sqlite>(async |name: &str| Some(db::sqlite_pool(name).await)).await;
}

#[tokio::test]
async fn a_squash_is_proven_by_both_paths_on_postgres() {
    both_paths::<sqlx::Postgres>(db::postgres_pool).await;
}

#[tokio::test]
async fn a_squash_is_proven_by_both_paths_on_mysql() {
    both_paths::<sqlx::MySql>(db::mysql_pool).await;
}

/// A fixture history squashed to its head, carrying what the schema does not show: the squash
/// replays to what the history replays to (the squash proves that itself), and applied to a
/// real database it builds what the history builds there (which the fixture tests prove equal
/// to the replay); its down leaves no table, and it applies again.
async fn fixture_squashed<DB: Backend>(history: &str, pool: &sqlx::Pool<DB>) {
    // vaultwarden's MySQL line drops a key through `SET @sql = ...; PREPARE ...; EXECUTE ...`,
    // whose effect strata.toml says: the squash renders it, and the statements that did it,
    // carried without the `SET` (which changes nothing of its own), would fail.
    let keep = if history == "vaultwarden/mysql" { Keep::LeaveOut } else { Keep::Carry };
    let d = DB::DIALECT;
    let mut set = crate::fixtures::load(&crate::fixtures::history_dir(history), d);
    if history == "vaultwarden/mysql" {
        set.config.effects = crate::fixtures::vaultwarden_effects();
    }
    let s = squash(&set, set.migrations.len() - 1, keep)
        .unwrap_or_else(|e| panic!("{history}: cannot squash: {e}"));
    let mut expected = strata::schema::replay(&set).expect("replays");
    expected.normalize(d);
    if keep == Keep::LeaveOut {
        expected.views.clear();
    }
    let mut conn = pool.acquire().await.expect("a connection");
    let read = async |conn: &mut <DB as sqlx::Database>::Connection| {
        let mut s = DB::introspect(conn).await.expect("introspects");
        s.normalize(d);
        s
    };
    for round in ["first", "again"] {
        DB::execute(&mut conn, &s.up)
            .await
            .unwrap_or_else(|e| panic!("{history}: the squash fails ({round}): {e}\n{}", s.up));
        let live = read(&mut conn).await;
        if let Some(diff) = describe(d, &MIGRATIONS_VS_DATABASE, &expected, &live) {
            panic!("{history}: the squash built another schema than the history ({round}):\n{diff}");
        }
        DB::execute(&mut conn, &s.down)
            .await
            .unwrap_or_else(|e| panic!("{history}: the squash's down fails: {e}\n{}", s.down));
        let live = read(&mut conn).await;
        assert!(live.tables.is_empty() && live.views.is_empty(), "{history}: left {:?}", live.tables.keys());
    }
}

#[tokio::test]
async fn fixture_histories_squash_on_sqlite() {
    if !crate::fixtures::fixtures_here() {
        return;
    }
    for h in [
        "vaultwarden/sqlite",
        "diesel_tests/sqlite",
        "atuin_server/sqlite",
        "atuin_client/sqlite",
        "torrust_index/sqlite",
        "openfga/sqlite",
    ] {
        let pool = db::sqlite_pool(&format!("squash_{}", h.replace('/', "_"))).await;
        fixture_squashed(h, &pool).await;
    }
}

#[tokio::test]
async fn fixture_histories_squash_on_postgres() {
    if !crate::fixtures::fixtures_here() {
        return;
    }
    for h in [
        "vaultwarden/postgres",
        "diesel_tests/postgres",
        "docsrs/postgres",
        "atuin_server/postgres",
        "openfga/postgres",
        "temporal/postgres/versioned",
    ] {
        let Some(pool) = db::postgres_pool(&format!("squash_{}", h.replace('/', "_"))).await else { return };
        fixture_squashed(h, &pool).await;
    }
}

#[tokio::test]
async fn fixture_histories_squash_on_mysql() {
    if !crate::fixtures::fixtures_here() {
        return;
    }
    for h in ["vaultwarden/mysql", "diesel_tests/mysql", "torrust_index/mysql", "temporal/mysql/versioned"] {
        let Some(pool) = db::mysql_pool(&format!("squash_{}", h.replace('/', "_"))).await else { return };
        fixture_squashed(h, &pool).await;
    }
}
