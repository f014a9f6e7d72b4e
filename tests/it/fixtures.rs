//! Replay against reality: every history in `../shared/fixtures/` is applied to a real database
//! one migration at a time, and after each the introspected schema must equal the replay.
//! Where the replay refuses a statement, the test asserts the located error instead.

use std::path::{Path, PathBuf};

use sqlx::{AssertSqlSafe, Connection};
use strata::introspect::{introspect_mysql, introspect_postgres, introspect_sqlite};
use strata_schema::diff;
use strata_schema::replay::{apply_sql, apply_sql_with};
use strata_schema::{Dialect, Effect, MigrationSet, Schema};

use crate::db;

/// Whether `../shared/fixtures` is here; if not, says so (a failure when `CI=true`).
pub(crate) fn fixtures_here() -> bool {
    if fixtures().is_dir() {
        return true;
    }
    assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "the fixtures are missing, and CI=true");
    eprintln!("skipped: the fixtures live beside the repository, in ../shared");
    false
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
}

/// `own/<dialect>` is a history of `tests/reality`; anything else one of `../shared/fixtures`.
pub(crate) fn history_dir(history: &str) -> PathBuf {
    match history.strip_prefix("own/") {
        Some(own) => Path::new(env!("CARGO_MANIFEST_DIR")).join("reality").join(own),
        None => fixtures().join(history),
    }
}

/// A history read as its own tool reads it: harness's versions are its file names
/// (maragudk/migrate), as `versions = "names"` in a `strata.toml` beside it would say.
pub(crate) fn load(dir: &Path, dialect: Dialect) -> MigrationSet {
    let mut config = strata_schema::Config::new(dialect);
    if dir.components().any(|c| c.as_os_str() == "harness") {
        config.versions = strata_schema::Versions::Names;
    }
    MigrationSet::with_config(dir, config).unwrap_or_else(|e| panic!("{} is readable: {e}", dir.display()))
}

/// A statement the replay refuses, on purpose: (file ending, line, column, words of the message,
/// whether the database refuses the file too).
type Refusal = (&'static str, u64, u64, &'static str, Database);

/// What the database does with a file the replay refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Database {
    /// It refuses it too: the replay saw the error coming.
    Refuses,
    /// It runs it: strata cannot know the effect, and says so.
    Runs,
}

/// Applies `history` step by step through `run`, up to its head and then down through every
/// migration that has a down file, and compares the database with the replay after each step
/// through `read`. `edit` is what the history's own runner does to a file before running it,
/// `before` what it runs before the first migration (golang-migrate's table, which harbor's
/// migrations alter); `effects` what a `strata.toml` beside it would say of statements strata
/// cannot see into.
#[allow(clippy::too_many_arguments)]
async fn check_history<C>(
    dir: &Path,
    dialect: Dialect,
    conn: &mut C,
    refusal: Option<Refusal>,
    effects: &[Effect],
    edit: impl Fn(&str) -> String,
    before: &str,
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
    let set = load(dir, dialect);
    assert!(!set.migrations.is_empty(), "{history} has migrations");
    // Up to the head, then down for as long as there are down files.
    let ups = set.migrations.iter().map(|m| (m, "up", Some(&m.up)));
    let downs = set.migrations.iter().rev().map(|m| (m, "down", m.down.as_ref()));
    let steps = ups.chain(downs.take_while(|(_, _, file)| file.is_some()));
    let mut schema = Schema::default();
    if !before.is_empty() {
        apply_sql_with(dialect, &mut schema, Path::new("before"), before, &[])
            .expect("the runner's own SQL replays");
        run(conn, before).await.expect("the runner's own SQL runs");
    }
    for (m, direction, file) in steps {
        let Some(file) = file else { continue };
        let sql = edit(&file.sql);
        let said = said(effects, &file.path);
        if let Err(e) = apply_sql_with(dialect, &mut schema, &file.path, &sql, &said) {
            let Some((file, line, column, words, database)) = refusal else {
                panic!("{history}: the replay refused {}:\n{e}", file.path.display());
            };
            assert!(
                e.path.ends_with(file),
                "{history}: refused in {} rather than {file}:\n{e}",
                e.path.display()
            );
            assert_eq!((e.line, e.column), (line, column), "{history}: refused at another place:\n{e}");
            assert!(e.message.contains(words), "{history}: refused for another reason:\n{e}");
            let ran = run(conn, &sql).await;
            assert_eq!(
                ran.is_ok(),
                database == Database::Runs,
                "{history}: the replay refused {} {direction}, and the database said {ran:?}",
                m.name()
            );
            return;
        }
        // A file of comments alone is not sent: MySQL calls that an error (its runners skip it).
        // A `-- no-transaction` file runs statement by statement, as strata runs it (PostgreSQL
        // runs statements sent together in one transaction).
        let statements = strata_schema::replay::statements(dialect, &sql);
        let no_transaction = if direction == "up" { m.no_transaction } else { m.down_no_transaction };
        let pieces = if no_transaction || strata_schema::migrations::says_no_transaction(&sql) {
            statements
        } else if statements.is_empty() {
            Vec::new()
        } else {
            vec![sql.as_str()]
        };
        for piece in pieces {
            run(conn, piece)
                .await
                .unwrap_or_else(|e| panic!("{history}: {} {direction} fails on the database: {e}", m.name()));
        }
        let mut expected = schema.clone();
        expected.normalize(dialect);
        let real = read(conn).await;
        if let Some(diff) = diff::describe(dialect, &diff::MIGRATIONS_VS_DATABASE, &expected, &real) {
            panic!("{history}: after {} {direction}, the replay and the database differ:\n{diff}", m.name());
        }
    }
    assert!(refusal.is_none(), "{history}: expected the replay to refuse {refusal:?}");
}

/// Runs a file as it is.
fn as_is(sql: &str) -> String {
    sql.to_owned()
}

/// River's runner replaces its schema marker before it runs a file; for the default schema,
/// with nothing.
fn river(sql: &str) -> String {
    sql.replace("/* TEMPLATE: schema */", "")
}

async fn sqlite_history(history: &str, refusal: Option<Refusal>) {
    sqlite_history_edited(history, refusal, as_is).await;
}

async fn sqlite_history_edited(history: &str, refusal: Option<Refusal>, edit: fn(&str) -> String) {
    sqlite_history_run(history, refusal, edit, "").await;
}

async fn sqlite_history_run(history: &str, refusal: Option<Refusal>, edit: fn(&str) -> String, before: &str) {
    let dir = history_dir(history);
    let mut conn = db::sqlite().await;
    check_history(
        &dir,
        Dialect::Sqlite,
        &mut conn,
        refusal,
        &[],
        edit,
        before,
        async |c, sql| sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut *c).await.map(drop),
        async |c| introspect_sqlite(c).await.expect("introspection"),
    )
    .await;
}

async fn postgres_history(history: &str, refusal: Option<Refusal>) {
    postgres_history_edited(history, refusal, &[], as_is).await;
}

async fn postgres_history_edited(
    history: &str,
    refusal: Option<Refusal>,
    effects: &[Effect],
    edit: fn(&str) -> String,
) {
    postgres_history_run(history, refusal, effects, edit, "").await;
}

async fn postgres_history_run(
    history: &str,
    refusal: Option<Refusal>,
    effects: &[Effect],
    edit: fn(&str) -> String,
    before: &str,
) {
    let dir = history_dir(history);
    // A database of its own for each way a history is walked: the tests run at once.
    let name = format!("{}{}", history.replace('/', "_"), if effects.is_empty() { "" } else { "_said" });
    let Some(mut conn) = db::postgres(&name).await else { return };
    check_history(
        &dir,
        Dialect::Postgres,
        &mut conn,
        refusal,
        effects,
        edit,
        before,
        async |c, sql| sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut *c).await.map(drop),
        async |c| introspect_postgres(c).await.expect("introspection"),
    )
    .await;
    conn.close().await.ok();
}

async fn mysql_history(history: &str, refusal: Option<Refusal>, effects: &[Effect]) {
    let dir = history_dir(history);
    let name = format!("{}{}", history.replace('/', "_"), if effects.is_empty() { "" } else { "_said" });
    let Some(mut conn) = db::mysql(&name).await else { return };
    // vaultwarden's own runner applies its history with foreign-key checks off.
    sqlx::raw_sql("SET FOREIGN_KEY_CHECKS = 0").execute(&mut conn).await.expect("session setting");
    check_history(
        &dir,
        Dialect::Mysql,
        &mut conn,
        refusal,
        effects,
        as_is,
        "",
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
    // The newest down file is written for MySQL; SQLite rejects it too.
    let refusal = (
        "20250402170430_unique_names.down.sql",
        2,
        1,
        "SQLite's ALTER TABLE cannot `DROP INDEX`",
        Database::Refuses,
    );
    sqlite_history("atuin_scripts/sqlite", Some(refusal)).await;
}

#[tokio::test]
async fn torrust_index_sqlite() {
    sqlite_history("torrust_index/sqlite", None).await;
}

#[tokio::test]
async fn river_sqlite() {
    // Its partial index's predicate uses `<<`, which sqlparser reads for SQLite once told to.
    sqlite_history_edited("river/sqlite", None, river).await;
}

#[tokio::test]
async fn vaultwarden_postgres() {
    // Going down, this file drops `groups` before the tables that reference it.
    let refusal = (
        "2022-07-27-110000_add_group_support/down.sql",
        1,
        12,
        "PostgreSQL refuses to drop table `groups`",
        Database::Refuses,
    );
    postgres_history("vaultwarden/postgres", Some(refusal)).await;
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
async fn river_postgres() {
    // 005 rebuilds a table inside a DO block: without a word on it, refused at the block.
    let refusal = ("005_migration_unique_client.up.sql", 5, 1, "cannot see what this `DO`", Database::Runs);
    postgres_history_edited("river/postgres", Some(refusal), &[], river).await;
}

/// River's history again, with what a `strata.toml` beside it would say of that block (its
/// files are applied, and cannot change): the walk goes on to the head and back.
#[tokio::test]
async fn river_postgres_with_its_effects_said() {
    postgres_history_edited("river/postgres", None, &river_effects(), river).await;
}

/// What a `strata.toml` beside River's PostgreSQL history would say of the `DO` blocks of
/// migration 005, up and down.
fn river_effects() -> Vec<Effect> {
    let rebuild = Effect {
        file: "005_migration_unique_client.up.sql".into(),
        line: 5,
        sql: Some(
            "ALTER TABLE river_migration RENAME TO river_migration_old;
             CREATE TABLE river_migration (
                 line TEXT NOT NULL,
                 version bigint NOT NULL,
                 created_at timestamptz NOT NULL DEFAULT NOW(),
                 CONSTRAINT line_length CHECK (char_length(line) > 0 AND char_length(line) < 128),
                 CONSTRAINT version_gte_1 CHECK (version >= 1),
                 PRIMARY KEY (line, version)
             );
             DROP TABLE river_migration_old;"
                .into(),
        ),
    };
    let back = Effect {
        file: "005_migration_unique_client.down.sql".into(),
        line: 7,
        sql: Some(
            "ALTER TABLE river_migration RENAME TO river_migration_old;
             CREATE TABLE river_migration (
                 id bigserial PRIMARY KEY,
                 created_at timestamptz NOT NULL DEFAULT NOW(),
                 version bigint NOT NULL,
                 CONSTRAINT version CHECK (version >= 1)
             );
             CREATE UNIQUE INDEX ON river_migration USING btree (version);
             DROP TABLE river_migration_old;"
                .into(),
        ),
    };
    vec![rebuild, back]
}

/// golang-migrate's table, as it makes it on PostgreSQL before the first migration: harbor's
/// 0030 adds a column to it and 0040 takes it away.
const GOLANG_MIGRATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)";

// harbor: golang-migrate, up only; its DO blocks move data, but for one that adds a constraint.
#[tokio::test]
async fn harbor_postgres() {
    let refusal = ("0002_1.7.0_schema.up.sql", 17, 1, "cannot see what this `DO`", Database::Runs);
    postgres_history_run("harbor/postgres", Some(refusal), &[], as_is, GOLANG_MIGRATE_TABLE).await;
}

#[tokio::test]
async fn harbor_postgres_with_its_effects_said() {
    postgres_history_run("harbor/postgres", None, &harbor_effects(), as_is, GOLANG_MIGRATE_TABLE).await;
}

/// What a `strata.toml` beside harbor's history would say of its `DO` blocks: every one moves
/// or fixes rows, but for the one in 0110 that adds a constraint (dropped just before it, so the
/// block's `IF NOT EXISTS` always holds).
pub(crate) fn harbor_effects() -> Vec<Effect> {
    let none = [
        ("0002_1.7.0_schema", 17),
        ("0002_1.7.0_schema", 40),
        ("0004_1.8.0_schema", 124),
        ("0004_1.8.0_schema", 166),
        ("0005_1.8.2_schema", 4),
        ("0030_2.0.0_schema", 177),
        ("0040_2.1.0_schema", 90),
        ("0050_2.2.0_schema", 31),
        ("0050_2.2.0_schema", 84),
        ("0050_2.2.0_schema", 136),
        ("0050_2.2.0_schema", 170),
        ("0050_2.2.0_schema", 207),
        ("0050_2.2.0_schema", 262),
        ("0050_2.2.0_schema", 299),
        ("0050_2.2.0_schema", 368),
        ("0050_2.2.0_schema", 424),
        ("0050_2.2.0_schema", 482),
        ("0050_2.2.0_schema", 560),
        ("0050_2.2.0_schema", 608),
        ("0082_2.5.3_schema", 2),
        ("0090_2.6.0_schema", 27),
        ("0110_2.8.0_schema", 8),
        ("0110_2.8.0_schema", 119),
        ("0120_2.9.0_schema", 10),
        ("0120_2.9.0_schema", 38),
        ("0171_2.14.1_schema", 7),
    ];
    let mut effects: Vec<Effect> = none
        .iter()
        .map(|(file, line)| Effect { file: format!("{file}.up.sql"), line: *line, sql: None })
        .collect();
    effects.push(Effect {
        file: "0110_2.8.0_schema.up.sql".into(),
        line: 23,
        sql: Some(
            "ALTER TABLE artifact_accessory ADD CONSTRAINT unique_artifact_accessory UNIQUE (artifact_id, subject_artifact_digest)"
                .into(),
        ),
    });
    effects
}

// temporal: versioned folders, each file its manifest lists a migration of its own; up only.
#[tokio::test]
async fn temporal_postgres() {
    postgres_history("temporal/postgres/versioned", None).await;
}

#[tokio::test]
async fn temporal_mysql() {
    mysql_history("temporal/mysql/versioned", None, &[]).await;
}

/// temporal's SQLite line has no base (its v0.1 is not in the tree; SQLite databases are made
/// from `schema.sql`): v0.6 alters a table nothing before it made, and SQLite refuses it too.
#[tokio::test]
async fn temporal_sqlite() {
    let refusal = (
        "v0.6/add_current_executions_start_time.sql",
        1,
        13,
        "table `current_executions` does not exist",
        Database::Refuses,
    );
    sqlite_history("temporal/sqlite/versioned", Some(refusal)).await;
}

/// maragudk/migrate's table, as it makes it before the first migration: harness's 0000 copies
/// it into a table with a primary key.
const MARAGUDK_TABLE: &str = "CREATE TABLE migrations (version text not null)";

// harness: maragudk/migrate, the version the whole file name; 27 of its 206 have no down.
// All ups; going down, 0137's down drops a constraint, which SQLite's ALTER TABLE cannot.
#[tokio::test]
async fn harness_sqlite() {
    let refusal = (
        "0137_alter_branch_add_last_created_pullreq.down.sql",
        1,
        1,
        "SQLite's ALTER TABLE cannot `DROP CONSTRAINT`",
        Database::Refuses,
    );
    sqlite_history_run("harness/sqlite", Some(refusal), as_is, MARAGUDK_TABLE).await;
}

// openfga: goose files, both directions in one file.
#[tokio::test]
async fn openfga_postgres() {
    postgres_history("openfga/postgres", None).await;
}

#[tokio::test]
async fn openfga_mysql() {
    // `DROP INDEX ... LOCK = NONE`: sqlparser leaves the lock out, and MariaDB refuses it too
    // (MySQL 8 takes it; strata says it cannot read it rather than guess).
    let refusal = ("007_collate_object_id.sql", 7, 45, "without `LOCK`", Database::Refuses);
    mysql_history("openfga/mysql", Some(refusal), &[]).await;
}

#[tokio::test]
async fn openfga_sqlite() {
    sqlite_history("openfga/sqlite", None).await;
}

#[tokio::test]
async fn vaultwarden_mysql() {
    // The migration drops a foreign key through `PREPARE` of a string built at run time.
    let refusal = (
        "2024-03-13-170000_sso_users_cascade/up.sql",
        11,
        1,
        "cannot see what this `PREPARE`",
        Database::Runs,
    );
    mysql_history("vaultwarden/mysql", Some(refusal), &[]).await;
}

/// vaultwarden's MySQL history with what a `strata.toml` would say of that `PREPARE` (nothing)
/// and the `EXECUTE` of the statement it prepared (drop the key).
#[tokio::test]
async fn vaultwarden_mysql_with_its_effects_said() {
    mysql_history("vaultwarden/mysql", None, &vaultwarden_effects()).await;
}

/// What a `strata.toml` would say of vaultwarden's `PREPARE` (nothing) and of the `EXECUTE` of
/// the statement it prepared (drop the key).
pub(crate) fn vaultwarden_effects() -> Vec<Effect> {
    let file = "2024-03-13-170000_sso_users_cascade/up.sql";
    vec![
        Effect { file: file.into(), line: 11, sql: None },
        Effect {
            file: file.into(),
            line: 12,
            sql: Some("ALTER TABLE sso_users DROP FOREIGN KEY sso_users_ibfk_1;".into()),
        },
    ]
}

#[tokio::test]
async fn torrust_index_mysql() {
    mysql_history("torrust_index/mysql", None, &[]).await;
}

#[tokio::test]
async fn diesel_tests_mysql() {
    mysql_history("diesel_tests/mysql", None, &[]).await;
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
    mysql_history("own/mysql", None, &[]).await;
}

/// The replay against the database, as `verify` compares them.
fn describe(d: Dialect, replayed: &Schema, real: &Schema) -> Option<String> {
    diff::describe(d, &diff::MIGRATIONS_VS_DATABASE, replayed, real)
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
        describe(
            Dialect::Sqlite,
            &replayed(Dialect::Sqlite),
            &introspect_sqlite(&mut lite).await.expect("reads")
        ),
        None
    );
    sqlx::raw_sql("CREATE VIEW note_bodies AS SELECT body FROM notes")
        .execute(&mut lite)
        .await
        .expect("a view");
    let diff = describe(
        Dialect::Sqlite,
        &replayed(Dialect::Sqlite),
        &introspect_sqlite(&mut lite).await.expect("reads"),
    );
    assert!(diff.as_deref().is_some_and(|d| d.contains("view `note_bodies` is in the database")), "{diff:?}");
    sqlx::raw_sql("DROP VIEW note_bodies").execute(&mut lite).await.expect("no view");
    sqlx::raw_sql("ALTER TABLE notes ADD COLUMN extra TEXT").execute(&mut lite).await.expect("alters");
    let diff = describe(
        Dialect::Sqlite,
        &replayed(Dialect::Sqlite),
        &introspect_sqlite(&mut lite).await.expect("reads"),
    );
    assert!(diff.is_some_and(|d| d.contains("extra")));

    if let Some(mut pg) = db::postgres("differs").await {
        sqlx::raw_sql(CREATE).execute(&mut pg).await.expect("creates");
        assert_eq!(
            describe(
                Dialect::Postgres,
                &replayed(Dialect::Postgres),
                &introspect_postgres(&mut pg).await.expect("reads")
            ),
            None
        );
        sqlx::raw_sql("ALTER TABLE notes ALTER COLUMN body TYPE VARCHAR(80)")
            .execute(&mut pg)
            .await
            .expect("alters");
        let diff = describe(
            Dialect::Postgres,
            &replayed(Dialect::Postgres),
            &introspect_postgres(&mut pg).await.expect("reads"),
        );
        assert!(diff.as_deref().is_some_and(|d| d.to_lowercase().contains("varchar(80)")), "{diff:?}");
    }
    if let Some(mut my) = db::mysql("differs").await {
        sqlx::raw_sql(CREATE).execute(&mut my).await.expect("creates");
        assert_eq!(
            describe(
                Dialect::Mysql,
                &replayed(Dialect::Mysql),
                &introspect_mysql(&mut my).await.expect("reads")
            ),
            None
        );
        sqlx::raw_sql("ALTER TABLE notes MODIFY body VARCHAR(40) NULL")
            .execute(&mut my)
            .await
            .expect("alters");
        let diff = describe(
            Dialect::Mysql,
            &replayed(Dialect::Mysql),
            &introspect_mysql(&mut my).await.expect("reads"),
        );
        assert!(
            diff.as_deref()
                .is_some_and(|d| d.contains("is nullable in the database, but NOT NULL in the migrations")),
            "{diff:?}"
        );
    }
}

/// A history applied by strata's own migrator, as an application would apply it: `verify`
/// then finds the database exactly as its migrations say, and, where every migration has a down
/// file the database runs, so it does again after the way back to base.
async fn migrated_and_verified<DB: strata::migrate::Backend>(
    pool: &sqlx::Pool<DB>,
    history: &str,
    effects: &[Effect],
    down: bool,
) {
    let dir = history_dir(history);
    if !dir.is_dir() {
        return; // check_history says why
    }
    let mut set = load(&dir, DB::DIALECT);
    set.config.effects = effects.to_vec();
    if history.starts_with("river/") {
        // As River's runner runs its files (see `river`).
        for m in &mut set.migrations {
            m.up.sql = river(&m.up.sql);
            if let Some(d) = &mut m.down {
                d.sql = river(&d.sql);
            }
        }
    }
    let migrator = strata::Migrator::from_set(&set);
    migrator.run(pool).await.unwrap_or_else(|e| panic!("{history}: {e}"));
    let v = migrator.verify_tables(pool, Vec::new()).await.unwrap_or_else(|e| panic!("{history}: {e}"));
    assert!(v.is_clean() && v.notes.is_empty(), "{history} at its head: {v}");
    assert!(v.to_string().contains("matches its migrations"), "{history}: {v}");
    if down && set.migrations.iter().all(|m| m.down.is_some()) {
        migrator.undo_to(pool, None).await.unwrap_or_else(|e| panic!("{history}, down: {e}"));
        let v = migrator.verify_tables(pool, Vec::new()).await.expect("verifies");
        // What the down files forget to drop stays, and verify says so, table by table: the
        // replay of every up and then every down knows which.
        let mut left = Schema::default();
        for m in &set.migrations {
            apply_sql_with(DB::DIALECT, &mut left, &m.up.path, &m.up.sql, &said(effects, &m.up.path))
                .expect("replays");
        }
        for m in set.migrations.iter().rev() {
            let down = m.down.as_ref().expect("a down file");
            apply_sql_with(DB::DIALECT, &mut left, &down.path, &down.sql, &said(effects, &down.path))
                .expect("replays");
        }
        let expected: Vec<String> = left
            .tables
            .values()
            .map(|t| format!("table `{}` is in the database, but not in the migrations", t.name))
            .collect();
        assert_eq!(v.against_migrations, expected, "{history} at its base: {v}");
        assert!(v.version.is_none(), "{history} at its base: {v}");
    }
}

/// What `effects` say of the statements of the file at `path`, as the replay takes it.
fn said<'a>(effects: &'a [Effect], path: &Path) -> Vec<(u64, Option<&'a str>)> {
    effects.iter().filter(|e| path.ends_with(&e.file)).map(|e| (e.line, e.sql.as_deref())).collect()
}

fn pool_name(history: &str) -> String {
    format!("verify_{}", history.replace('/', "_"))
}

#[tokio::test]
async fn every_sqlite_history_verifies_after_the_migrator() {
    for (history, down) in [
        ("vaultwarden/sqlite", true),
        ("diesel_tests/sqlite", true),
        ("atuin_server/sqlite", true),
        ("atuin_client/sqlite", true),
        // Its down uses MySQL's `DROP INDEX ... ON`, which SQLite refuses.
        ("atuin_scripts/sqlite", false),
        ("torrust_index/sqlite", true),
        ("river/sqlite", true),
        ("openfga/sqlite", true),
        ("own/sqlite", true),
    ] {
        let pool = db::sqlite_pool(&pool_name(history)).await;
        migrated_and_verified(&pool, history, &[], down).await;
        pool.close().await;
    }
}

#[tokio::test]
async fn every_postgres_history_verifies_after_the_migrator() {
    let river = river_effects();
    for (history, effects, down) in [
        // Going down, one file drops a table another still references; PostgreSQL refuses.
        ("vaultwarden/postgres", &[][..], false),
        ("diesel_tests/postgres", &[], true),
        ("docsrs/postgres", &[], true),
        ("atuin_server/postgres", &[], true),
        ("river/postgres", &river, true),
        ("openfga/postgres", &[], true),
        ("temporal/postgres/versioned", &[], true),
        ("own/postgres", &[], true),
    ] {
        let Some(pool) = db::postgres_pool(&pool_name(history)).await else { return };
        migrated_and_verified(&pool, history, effects, down).await;
        pool.close().await;
    }
}

#[tokio::test]
async fn every_mysql_history_verifies_after_the_migrator() {
    let vaultwarden = vaultwarden_effects();
    for (history, effects) in [
        ("vaultwarden/mysql", &vaultwarden[..]),
        ("torrust_index/mysql", &[]),
        ("diesel_tests/mysql", &[]),
        ("temporal/mysql/versioned", &[]),
        ("own/mysql", &[]),
    ] {
        let Some(options) = db::fresh_mysql(&pool_name(history)).await else { return };
        // vaultwarden's own runner applies its history with foreign-key checks off.
        let pool = sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(4)
            .after_connect(|c, _| {
                Box::pin(
                    async move { sqlx::raw_sql("SET FOREIGN_KEY_CHECKS = 0").execute(c).await.map(drop) },
                )
            })
            .connect_with(options)
            .await
            .expect("the test database opens");
        migrated_and_verified(&pool, history, effects, true).await;
        pool.close().await;
    }
}

/// Every down file of the fixtures strata reads, proven without a database (docs/migrations.md
/// #downs): the migrations whose down does not give back the schema before its up, by history,
/// pinned; the proof `check` runs and the plain one (a copy of everything) agree on each.
#[test]
fn the_downs_of_the_fixtures_are_proven() {
    fn unrestored(
        history: &str,
        dialect: Dialect,
        effects: &[Effect],
        edit: fn(&str) -> String,
    ) -> Vec<String> {
        let dir = history_dir(history);
        let mut set = MigrationSet::load(&dir, Some(dialect)).expect("the history is readable");
        set.config.effects = effects.to_vec();
        for m in &mut set.migrations {
            m.up.sql = edit(&m.up.sql);
            if let Some(d) = &mut m.down {
                d.sql = edit(&d.sql);
            }
        }
        let named = |found: Vec<strata_schema::downs::Unrestored>| -> Vec<String> {
            found.into_iter().map(|u| u.migration).collect()
        };
        let plain = named(strata_schema::downs::prove(&set).expect("the ups replay"));
        let (_, found) = strata_schema::downs::replay_proving(&set).expect("the ups replay");
        assert_eq!(named(found), plain, "{history}: the two proofs disagree");
        plain
    }
    if !fixtures_here() {
        return;
    }
    let mut found = Vec::new();
    for (history, dialect, effects, edit) in &read_as_is() {
        for name in unrestored(history, *dialect, effects, *edit) {
            found.push(format!("{history} {name}"));
        }
    }
    // vaultwarden leaves most downs empty on purpose (its README); atuin_scripts' down uses
    // `ALTER TABLE ... DROP INDEX`, which SQLite refuses; diesel's MySQL down leaves the indexes
    // MySQL made for the keys it drops; docs.rs' downs lose a NOT NULL, a default and an enum
    // value; river's 004 keeps an enum value on purpose (its comment says why).
    let expected: &[&str] = &[
        "atuin_scripts/sqlite 20250402170430_unique_names",
        "diesel_tests/mysql 20170804172328_add_foreign_keys",
        "docsrs/postgres 20240221104457_drop_releases_build_status",
        "docsrs/postgres 20260508232425_build-logs",
        "docsrs/postgres 20260811210608_remove-release-files-archive",
        "river/postgres 004_pending_and_more",
        "vaultwarden/sqlite 20180427155151_create_users_ciphers",
        "vaultwarden/sqlite 20180525232323_update_attachments_reference",
        "vaultwarden/sqlite 20180601112529_update_devices_twofactor_remember",
        "vaultwarden/sqlite 20180827172114_update_ciphers",
        "vaultwarden/sqlite 20180919144557_add_kdf_columns",
        "vaultwarden/sqlite 20181127152651_add_att_key_columns",
        "vaultwarden/sqlite 20191010083032_add_column_to_twofactor",
        "vaultwarden/sqlite 20191117011009_add_email_verification",
        "vaultwarden/sqlite 20200409235005_add_cipher_delete_date",
        "vaultwarden/sqlite 20200701214531_add_hide_passwords",
        "vaultwarden/sqlite 20200802025025_add_favorites_table",
        "vaultwarden/sqlite 20201130224000_add_user_enabled",
        "vaultwarden/sqlite 20201209173101_add_stamp_exception",
        "vaultwarden/sqlite 20210315163412_rename_send_key",
        "vaultwarden/sqlite 20210430233251_add_reprompt",
        "vaultwarden/sqlite 20210511205202_add_hide_email",
        "vaultwarden/sqlite 20210701203140_add_password_reset_keys",
        "vaultwarden/sqlite 20220117234911_add_api_key",
        "vaultwarden/sqlite 20220302210038_update_devices_primary_key",
        "vaultwarden/sqlite 20230106151600_add_reset_password_support",
        "vaultwarden/sqlite 20230111205851_add_avatar_color",
        "vaultwarden/sqlite 20230131222222_add_argon2",
        "vaultwarden/sqlite 20230218125735_push_uuid_table",
        "vaultwarden/sqlite 20230602200424_create_organization_api_key",
        "vaultwarden/sqlite 20230617200424_create_auth_requests_table",
        "vaultwarden/sqlite 20230628133700_add_collection_external_id",
        "vaultwarden/sqlite 20230901170620_update_auth_request_table",
        "vaultwarden/sqlite 20230902212336_move_user_external_id",
        "vaultwarden/sqlite 20231021221242_add_cipher_key",
        "vaultwarden/sqlite 20240313_170000_sso_userscascade",
        "vaultwarden/sqlite 20250109172300_add_manage",
        "vaultwarden/postgres 20190916150000_fix_attachments",
        "vaultwarden/postgres 20191010083032_add_column_to_twofactor",
        "vaultwarden/postgres 20191117011009_add_email_verification",
        "vaultwarden/postgres 20200409235005_add_cipher_delete_date",
        "vaultwarden/postgres 20200701214531_add_hide_passwords",
        "vaultwarden/postgres 20200802025025_add_favorites_table",
        "vaultwarden/postgres 20201130224000_add_user_enabled",
        "vaultwarden/postgres 20201209173101_add_stamp_exception",
        "vaultwarden/postgres 20210315163412_rename_send_key",
        "vaultwarden/postgres 20210430233251_add_reprompt",
        "vaultwarden/postgres 20210511205202_add_hide_email",
        "vaultwarden/postgres 20210701203140_add_password_reset_keys",
        "vaultwarden/postgres 20220117234911_add_api_key",
        "vaultwarden/postgres 20220302210038_update_devices_primary_key",
        "vaultwarden/postgres 20220727110000_add_group_support",
        "vaultwarden/postgres 20230106151600_add_reset_password_support",
        "vaultwarden/postgres 20230111205851_add_avatar_color",
        "vaultwarden/postgres 20230131222222_add_argon2",
        "vaultwarden/postgres 20230218125735_push_uuid_table",
        "vaultwarden/postgres 20230602200424_create_organization_api_key",
        "vaultwarden/postgres 20230617200424_create_auth_requests_table",
        "vaultwarden/postgres 20230628133700_add_collection_external_id",
        "vaultwarden/postgres 20230901170620_update_auth_request_table",
        "vaultwarden/postgres 20230902212336_move_user_external_id",
        "vaultwarden/postgres 20231021221242_add_cipher_key",
        "vaultwarden/postgres 20240112210182_change_attachment_size",
        "vaultwarden/postgres 20240214135953_change_time_stamp_data_type",
        "vaultwarden/postgres 20240313170000_sso_users_cascade",
        "vaultwarden/postgres 20250109172300_add_manage",
        "vaultwarden/mysql 20180427155151_create_users_ciphers",
        "vaultwarden/mysql 20180525232323_update_attachments_reference",
        "vaultwarden/mysql 20180601112529_update_devices_twofactor_remember",
        "vaultwarden/mysql 20180827172114_update_ciphers",
        "vaultwarden/mysql 20180919144557_add_kdf_columns",
        "vaultwarden/mysql 20181127152651_add_att_key_columns",
        "vaultwarden/mysql 20190526216651_rename_key_and_type_columns",
        "vaultwarden/mysql 20191010083032_add_column_to_twofactor",
        "vaultwarden/mysql 20191117011009_add_email_verification",
        "vaultwarden/mysql 20200409235005_add_cipher_delete_date",
        "vaultwarden/mysql 20200701214531_add_hide_passwords",
        "vaultwarden/mysql 20200802025025_add_favorites_table",
        "vaultwarden/mysql 20201130224000_add_user_enabled",
        "vaultwarden/mysql 20201209173101_add_stamp_exception",
        "vaultwarden/mysql 20210430233251_add_reprompt",
        "vaultwarden/mysql 20210511205202_add_hide_email",
        "vaultwarden/mysql 20210701203140_add_password_reset_keys",
        "vaultwarden/mysql 20220117234911_add_api_key",
        "vaultwarden/mysql 20220302210038_update_devices_primary_key",
        "vaultwarden/mysql 20230106151600_add_reset_password_support",
        "vaultwarden/mysql 20230111205851_add_avatar_color",
        "vaultwarden/mysql 20230131222222_add_argon2",
        "vaultwarden/mysql 20230218125735_push_uuid_table",
        "vaultwarden/mysql 20230602200424_create_organization_api_key",
        "vaultwarden/mysql 20230617200424_create_auth_requests_table",
        "vaultwarden/mysql 20230628133700_add_collection_external_id",
        "vaultwarden/mysql 20230901170620_update_auth_request_table",
        "vaultwarden/mysql 20230902212336_move_user_external_id",
        "vaultwarden/mysql 20231021221242_add_cipher_key",
        "vaultwarden/mysql 20240112210182_change_attachment_size",
        "vaultwarden/mysql 20240214135828_change_time_stamp_data_type",
        "vaultwarden/mysql 20240313170000_sso_users_cascade",
        "vaultwarden/mysql 20250109172300_add_manage",
    ];
    assert_eq!(
        found,
        expected,
        "\n{}",
        found.iter().map(|f| format!("        {f:?},")).collect::<Vec<_>>().join("\n")
    );
}

/// A history, its dialect, what a `strata.toml` would say of it, and its runner's edit.
type Case = (&'static str, Dialect, Vec<Effect>, fn(&str) -> String);

/// The histories with down files that strata reads as they are (with their runners' edits and
/// the effects the tests above give them).
fn read_as_is() -> Vec<Case> {
    vec![
        ("atuin_scripts/sqlite", Dialect::Sqlite, vec![], as_is),
        ("diesel_tests/sqlite", Dialect::Sqlite, vec![], as_is),
        ("diesel_tests/postgres", Dialect::Postgres, vec![], as_is),
        ("diesel_tests/mysql", Dialect::Mysql, vec![], as_is),
        ("docsrs/postgres", Dialect::Postgres, vec![], as_is),
        ("river/sqlite", Dialect::Sqlite, vec![], river),
        ("river/postgres", Dialect::Postgres, river_effects(), river),
        ("vaultwarden/sqlite", Dialect::Sqlite, vec![], as_is),
        ("vaultwarden/postgres", Dialect::Postgres, vec![], as_is),
        ("vaultwarden/mysql", Dialect::Mysql, vaultwarden_effects(), as_is),
        ("openfga/postgres", Dialect::Postgres, vec![], as_is),
        ("openfga/sqlite", Dialect::Sqlite, vec![], as_is),
        ("temporal/postgres/versioned", Dialect::Postgres, vec![], as_is),
        ("temporal/mysql/versioned", Dialect::Mysql, vec![], as_is),
    ]
}

/// `strata lint` over every history strata reads, each migration judged on its own: it runs
/// through each, and what it finds is pinned by rule (docs/lint.md reads the PostgreSQL ones
/// against Squawk).
#[test]
fn the_fixtures_lint_as_pinned() {
    if !fixtures_here() {
        return;
    }
    let mut cases = read_as_is();
    cases.extend([
        ("atuin_server/postgres", Dialect::Postgres, vec![], as_is as fn(&str) -> String),
        ("atuin_server/sqlite", Dialect::Sqlite, vec![], as_is),
        ("atuin_client/sqlite", Dialect::Sqlite, vec![], as_is),
        ("torrust_index/mysql", Dialect::Mysql, vec![], as_is),
    ]);
    let mut found = Vec::new();
    for (history, dialect, effects, edit) in &cases {
        let mut set = load(&history_dir(history), *dialect);
        set.config.effects = effects.clone();
        for m in &mut set.migrations {
            m.up.sql = edit(&m.up.sql);
        }
        let options = strata_schema::lint::Options::from_config(&set).expect("options");
        let findings = strata_schema::lint::lint(&set, &options).unwrap_or_else(|e| panic!("{history}: {e}"));
        let mut by_rule = std::collections::BTreeMap::<&str, usize>::new();
        for f in &findings {
            *by_rule.entry(f.rule).or_default() += 1;
        }
        for (rule, n) in by_rule {
            found.push(format!("{history} {rule} {n}"));
        }
    }
    let expected: &[&str] = &[
        "diesel_tests/sqlite drop-table 4",
        "diesel_tests/postgres constraint-not-valid 6",
        "diesel_tests/postgres drop-table 1",
        "diesel_tests/postgres index-not-concurrent 2",
        "diesel_tests/postgres int-primary-key 15",
        "diesel_tests/postgres not-null-without-default 6",
        "diesel_tests/postgres type-change-rewrite 1",
        "diesel_tests/postgres unique-not-using-index 1",
        "diesel_tests/mysql int-primary-key 13",
        "diesel_tests/mysql mysql-foreign-key-copy 6",
        "docsrs/postgres backfill-under-lock 2",
        "docsrs/postgres drop-column 6",
        "docsrs/postgres drop-table 1",
        "docsrs/postgres index-not-concurrent 10",
        "docsrs/postgres primary-key-not-using-index 1",
        "docsrs/postgres rename-column 1",
        "docsrs/postgres type-change-rewrite 1",
        "river/sqlite drop-table 2",
        "river/sqlite sqlite-table-rebuild 1",
        "river/postgres backfill-under-lock 3",
        "river/postgres constraint-not-valid 2",
        "river/postgres drop-index-not-concurrent 1",
        "river/postgres drop-table 2",
        "river/postgres index-not-concurrent 2",
        "river/postgres set-not-null 2",
        "vaultwarden/sqlite drop-table 4",
        "vaultwarden/sqlite rename-column 8",
        "vaultwarden/sqlite sqlite-drop-referenced-table 2",
        "vaultwarden/sqlite sqlite-table-rebuild 3",
        "vaultwarden/postgres constraint-not-valid 1",
        "vaultwarden/postgres drop-column 1",
        "vaultwarden/postgres drop-table 3",
        "vaultwarden/postgres primary-key-not-using-index 1",
        "vaultwarden/postgres rename-column 1",
        "vaultwarden/postgres type-change-rewrite 23",
        "vaultwarden/mysql drop-column 1",
        "vaultwarden/mysql drop-table 3",
        "vaultwarden/mysql mysql-foreign-key-copy 1",
        "vaultwarden/mysql mysql-primary-key-change 2",
        "vaultwarden/mysql mysql-type-change-copy 2",
        "vaultwarden/mysql rename-column 7",
        "openfga/postgres index-not-concurrent 1",
        "temporal/postgres/versioned drop-column 2",
        "temporal/postgres/versioned drop-table 3",
        "temporal/mysql/versioned drop-column 2",
        "temporal/mysql/versioned drop-table 3",
        "temporal/mysql/versioned mysql-type-change-copy 21",
        "temporal/mysql/versioned not-null-without-default 1",
        "atuin_server/postgres drop-column 1",
        "atuin_server/postgres drop-table 2",
        "atuin_server/postgres index-not-concurrent 3",
        "atuin_server/sqlite drop-column 1",
        "atuin_server/sqlite drop-table 1",
        "atuin_server/sqlite sqlite-table-rebuild 1",
        "atuin_client/sqlite drop-table 1",
        "atuin_client/sqlite redundant-index 1",
        "torrust_index/mysql drop-column 1",
        "torrust_index/mysql int-primary-key 13",
        "torrust_index/mysql mysql-foreign-key-copy 1",
        "torrust_index/mysql rename-column 1",
    ];
    assert_eq!(found, expected, "{}", found.join("\n"));
}
