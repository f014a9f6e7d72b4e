//! What the lint rules say a database does, asked of the databases themselves: PostgreSQL's
//! table rewrites (its relation's file changes), MariaDB's copies (`ALGORITHM=INPLACE,
//! LOCK=NONE` is refused), and the statements the rules say fail, on tables that hold rows.

use sqlx::{AssertSqlSafe, Connection, Row};
use strata_schema::lint::{self, Options};

use crate::db;

/// The rules a lint of `files` (one migration each, on `dialect`) finds in the last one.
fn rules_in_last(dialect: &str, files: &[&str]) -> Vec<&'static str> {
    rules_in_last_on(dialect, None, files)
}

/// [`rules_in_last`], with `[lint] server` set to `server`.
fn rules_in_last_on(dialect: &str, server: Option<&str>, files: &[&str]) -> Vec<&'static str> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("strata-lint-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a directory");
    let lint = server.map_or(String::new(), |s| format!("[lint]\nserver = \"{s}\"\n"));
    std::fs::write(dir.join("strata.toml"), format!("dialect = \"{dialect}\"\n{lint}")).expect("writes");
    for (i, sql) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("{}_m.sql", i + 1)), sql).expect("writes");
    }
    let set = strata_schema::MigrationSet::load(&dir, None).expect("loads");
    let _ = std::fs::remove_dir_all(&dir);
    let options = Options::from_config(&set).expect("options");
    let found = lint::lint(&set, &options).expect("replays");
    found.into_iter().filter(|f| f.version == files.len() as i64).map(|f| f.rule).collect()
}

async fn pg(conn: &mut sqlx::PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut *conn).await.map(drop)
}

async fn relfilenode(conn: &mut sqlx::PgConnection) -> i64 {
    let row = sqlx::query("SELECT relfilenode::bigint FROM pg_class WHERE relname = 't'")
        .fetch_one(&mut *conn)
        .await
        .expect("t exists");
    row.get(0)
}

/// Each type change, made on a table with rows: PostgreSQL gives the table a new file exactly
/// when `type-change-rewrite` says it rewrites it.
#[tokio::test]
async fn postgres_rewrites_the_table_when_the_rule_says() {
    let Some(mut conn) = db::postgres("lint_rewrites").await else { return };
    let pairs: &[(&str, &str)] = &[
        ("integer", "bigint"),
        ("smallint", "integer"),
        ("varchar(50)", "varchar(100)"),
        ("varchar(50)", "varchar(20)"),
        ("varchar(50)", "varchar"),
        ("varchar(50)", "text"),
        ("text", "varchar"),
        ("text", "varchar(10)"),
        ("char(36)", "varchar(40)"),
        ("char(36)", "text"),
        ("numeric(10,2)", "numeric(12,2)"),
        ("numeric(10,2)", "numeric(12,3)"),
        ("numeric(10,2)", "numeric"),
        ("numeric", "numeric(10,2)"),
        ("timestamp(3)", "timestamp(6)"),
        ("timestamp(6)", "timestamp(3)"),
        ("timestamp", "timestamptz"),
        ("timestamptz", "timestamp"),
        ("cidr", "inet"),
        ("json", "jsonb"),
        ("integer", "text"),
        ("varchar(20)[]", "text[]"),
        ("uuid", "text"),
    ];
    let mut wrong = Vec::new();
    for (old, new) in pairs {
        pg(&mut conn, &format!("DROP TABLE IF EXISTS t; CREATE TABLE t (id int, c {old}); INSERT INTO t (id) SELECT generate_series(1, 50)"))
            .await
            .expect("t is made");
        let before = relfilenode(&mut conn).await;
        let changed = format!("ALTER TABLE t ALTER COLUMN c TYPE {new}");
        pg(&mut conn, &changed).await.unwrap_or_else(|e| panic!("{old} -> {new}: {e}"));
        let rewritten = relfilenode(&mut conn).await != before;
        let said = rules_in_last(
            "postgres",
            &[&format!("CREATE TABLE t (id int, c {old});"), &format!("{changed};")],
        )
        .contains(&"type-change-rewrite");
        if said != rewritten {
            wrong.push(format!("{old} -> {new}: PostgreSQL rewrote: {rewritten}, the rule says: {said}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    conn.close().await.ok();
}

/// What the PostgreSQL rules say fails, fails; their safe forms run.
#[tokio::test]
async fn postgres_refuses_what_the_rules_say_it_refuses() {
    let Some(mut conn) = db::postgres("lint_refusals").await else { return };
    let t = "CREATE TABLE t (id BIGINT PRIMARY KEY, a TEXT); INSERT INTO t VALUES (1, 'x');";
    pg(&mut conn, t).await.expect("t");
    // not-null-without-default
    let add = "ALTER TABLE t ADD COLUMN b INT NOT NULL";
    assert!(rules_in_last("postgres", &[t, add]).contains(&"not-null-without-default"));
    assert!(pg(&mut conn, add).await.is_err(), "a NOT NULL column without default on a table with rows");
    pg(&mut conn, "ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT 0").await.expect("with a default");
    // needs-no-transaction: sent together, the statements run in one transaction.
    let concurrently = "CREATE INDEX CONCURRENTLY t_a ON t (a)";
    assert!(rules_in_last("postgres", &[t, concurrently]).contains(&"needs-no-transaction"));
    let in_tx = format!("BEGIN; {concurrently}; COMMIT");
    assert!(pg(&mut conn, &in_tx).await.is_err(), "CONCURRENTLY in a transaction");
    pg(&mut conn, "ROLLBACK").await.ok();
    pg(&mut conn, concurrently).await.expect("on its own");
    // enum-value-in-transaction
    pg(&mut conn, "CREATE TYPE mood AS ENUM ('a'); CREATE TABLE p (m mood)").await.expect("enum");
    let used = "ALTER TYPE mood ADD VALUE 'b'; UPDATE p SET m = 'b'";
    assert!(
        rules_in_last("postgres", &["CREATE TYPE mood AS ENUM ('a');\nCREATE TABLE p (m mood);", used])
            .contains(&"enum-value-in-transaction")
    );
    let e = pg(&mut conn, &format!("BEGIN; {used}; COMMIT")).await.expect_err("refused");
    assert!(e.to_string().contains("unsafe use of new value"), "{e}");
    pg(&mut conn, "ROLLBACK").await.ok();
    // identifier-too-long: the name in the database is cut to 63 bytes.
    let long = format!("ix_{}", "a".repeat(70));
    pg(&mut conn, &format!("CREATE INDEX {long} ON t (a)")).await.expect("made");
    let found: Option<String> =
        sqlx::query_scalar("SELECT relname::text FROM pg_class WHERE relname LIKE 'ix_aaa%'")
            .fetch_optional(&mut conn)
            .await
            .expect("reads");
    assert_eq!(found.as_deref(), Some(&long[..63]));
    assert!(
        rules_in_last("postgres", &[t, &format!("CREATE INDEX {long} ON t (a);")])
            .contains(&"identifier-too-long")
    );
    // add-column-default-rewrite: a volatile default rewrites, now() does not.
    pg(&mut conn, "DROP TABLE IF EXISTS t CASCADE; CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 10)")
        .await
        .expect("t");
    for (column, rewrites) in [
        ("at TIMESTAMPTZ NOT NULL DEFAULT now()", false),
        ("u UUID NOT NULL DEFAULT gen_random_uuid()", true),
        ("s BIGSERIAL", true),
        ("f BOOLEAN NOT NULL DEFAULT false", false),
    ] {
        let before = relfilenode(&mut conn).await;
        let add = format!("ALTER TABLE t ADD COLUMN {column}");
        pg(&mut conn, &add).await.expect("added");
        assert_eq!(relfilenode(&mut conn).await != before, rewrites, "{column}");
        let said = rules_in_last("postgres", &["CREATE TABLE t (id int);", &format!("{add};")]);
        assert_eq!(said.contains(&"add-column-default-rewrite"), rewrites, "{column}: {said:?}");
    }
    conn.close().await.ok();
}

async fn my(conn: &mut sqlx::MySqlConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut *conn).await.map(drop)
}

/// Each change, asked for without a copy and without locking writes: MariaDB refuses exactly
/// the ones the MySQL rules say it copies.
#[tokio::test]
async fn mysql_copies_the_table_when_the_rules_say() {
    let Some(mut conn) = db::mysql("lint_copies").await else { return };
    // The rules are asked about the server that answers: MariaDB and MySQL differ.
    let version: String =
        sqlx::query_scalar("SELECT VERSION()").fetch_one(&mut conn).await.expect("a version");
    let product = if version.to_ascii_lowercase().contains("mariadb") { "mariadb" } else { "mysql" };
    let number: String = version.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let server = format!("{product} {}", number.trim_end_matches('.'));
    let pairs: &[(&str, &str)] = &[
        ("int", "bigint"),
        ("int", "int unsigned"),
        ("varchar(20)", "varchar(60)"),
        ("varchar(20)", "varchar(100)"),
        ("varchar(100)", "varchar(300)"),
        ("varchar(50)", "varchar(20)"),
        ("enum('a','b')", "enum('a','b','c')"),
        ("enum('a','b')", "enum('b','a')"),
        ("text", "mediumtext"),
        ("int", "varchar(20)"),
    ];
    let mut wrong = Vec::new();
    for (old, new) in pairs {
        my(&mut conn, &format!("DROP TABLE IF EXISTS t; CREATE TABLE t (id INT PRIMARY KEY, c {old}) DEFAULT CHARSET=utf8mb4; INSERT INTO t (id) VALUES (1), (2)"))
            .await
            .expect("t is made");
        let change = format!("ALTER TABLE t MODIFY c {new}");
        let in_place = my(&mut conn, &format!("{change}, ALGORITHM=INPLACE, LOCK=NONE")).await.is_ok();
        let said = rules_in_last_on(
            "mysql",
            Some(&server),
            &[&format!("CREATE TABLE t (id INT PRIMARY KEY, c {old});"), &format!("{change};")],
        )
        .contains(&"mysql-type-change-copy");
        if said == in_place {
            wrong.push(format!(
                "{old} -> {new} on {server}: in place: {in_place}, the rule says it copies: {said}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A foreign key: copied with foreign_key_checks on, in place with them off.
    let two = "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (id INT PRIMARY KEY, p_id INT); INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1)";
    my(&mut conn, &format!("DROP TABLE IF EXISTS t; {two}")).await.expect("p and c");
    let fk = "ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id)";
    assert!(my(&mut conn, &format!("{fk}, ALGORITHM=INPLACE")).await.is_err(), "copied with checks on");
    assert!(
        rules_in_last("mysql", &[&format!("{two};"), &format!("{fk};")]).contains(&"mysql-foreign-key-copy")
    );
    my(
        &mut conn,
        &format!("SET foreign_key_checks = 0; {fk}, ALGORITHM=INPLACE; SET foreign_key_checks = 1"),
    )
    .await
    .expect("in place with checks off");
    let off = format!("SET foreign_key_checks = 0;\n{fk};\nSET foreign_key_checks = 1;");
    assert!(!rules_in_last("mysql", &[&format!("{two};"), &off]).contains(&"mysql-foreign-key-copy"));

    // Dropping the primary key alone is a copy.
    my(&mut conn, "CREATE TABLE k (id INT NOT NULL PRIMARY KEY, b INT); INSERT INTO k VALUES (1, 1)")
        .await
        .expect("k");
    assert!(my(&mut conn, "ALTER TABLE k DROP PRIMARY KEY, ALGORITHM=INPLACE").await.is_err());
    assert!(
        rules_in_last(
            "mysql",
            &["CREATE TABLE k (id INT NOT NULL PRIMARY KEY, b INT);", "ALTER TABLE k DROP PRIMARY KEY;"]
        )
        .contains(&"mysql-primary-key-change")
    );

    // not-null-without-default: the rows there get the type's zero value.
    my(&mut conn, "ALTER TABLE k ADD COLUMN n INT NOT NULL, ADD COLUMN s VARCHAR(10) NOT NULL")
        .await
        .expect("added");
    let row = sqlx::query("SELECT n, s FROM k").fetch_one(&mut conn).await.expect("a row");
    assert_eq!((row.get::<i32, _>(0), row.get::<String, _>(1)), (0, String::new()));
    conn.close().await.ok();
}

/// What the SQLite rules say SQLite refuses or ignores, on tables that hold rows.
#[tokio::test]
async fn sqlite_does_what_the_rules_say() {
    let pool = db::sqlite_pool("lint_sqlite").await;
    let mut conn = pool.acquire().await.expect("a connection");
    let run = async |c: &mut sqlx::SqliteConnection, sql: &str| {
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut *c).await.map(drop)
    };
    let t = "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);";
    run(&mut conn, t).await.expect("t");
    for (add, rule) in [
        ("ALTER TABLE t ADD COLUMN b INTEGER NOT NULL", "not-null-without-default"),
        ("ALTER TABLE t ADD COLUMN at TEXT DEFAULT CURRENT_TIMESTAMP", "sqlite-add-column-refused"),
        ("ALTER TABLE t ADD COLUMN c INTEGER DEFAULT (1 + 1)", "sqlite-add-column-refused"),
    ] {
        assert!(run(&mut conn, add).await.is_err(), "SQLite refuses `{add}` with a row");
        assert!(
            rules_in_last("sqlite", &["CREATE TABLE t (a INTEGER);", &format!("{add};")]).contains(&rule),
            "{add}"
        );
        // On an empty table it runs, and the rule says nothing of a table the migration made.
        run(&mut conn, "CREATE TABLE e (a INTEGER)").await.expect("e");
        run(&mut conn, &add.replace(" t ", " e ")).await.expect("an empty table takes it");
        run(&mut conn, "DROP TABLE e").await.expect("dropped");
        assert!(!rules_in_last("sqlite", &[&format!("CREATE TABLE t (a INTEGER);\n{add};")]).contains(&rule));
    }
    // A UNIQUE or PRIMARY KEY column is refused even on an empty table; so does the replay.
    for column in ["u INTEGER UNIQUE", "k INTEGER PRIMARY KEY"] {
        run(&mut conn, "CREATE TABLE e (a INTEGER)").await.expect("e");
        let add = format!("ALTER TABLE e ADD COLUMN {column}");
        assert!(run(&mut conn, &add).await.is_err(), "SQLite refuses `{add}`");
        let mut schema = strata_schema::Schema::default();
        let replayed = strata_schema::replay::apply_sql(
            strata_schema::Dialect::Sqlite,
            &mut schema,
            std::path::Path::new("m.sql"),
            &format!("CREATE TABLE e (a INTEGER);\n{add};"),
        );
        assert!(replayed.is_err(), "the replay refuses `{add}` too");
        run(&mut conn, "DROP TABLE e").await.expect("dropped");
    }
    // PRAGMA foreign_keys inside a transaction changes nothing.
    let on = async |c: &mut sqlx::SqliteConnection| -> i64 {
        sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *c).await.expect("reads")
    };
    assert_eq!(on(&mut conn).await, 1, "sqlx turns foreign keys on");
    let mut tx = conn.begin().await.expect("begins");
    run(&mut tx, "PRAGMA foreign_keys = OFF").await.expect("runs");
    assert_eq!(on(&mut tx).await, 1, "still on inside the transaction");
    tx.rollback().await.expect("rolls back");
    assert!(
        rules_in_last("sqlite", &["CREATE TABLE t (a INTEGER);", "PRAGMA foreign_keys = OFF;"])
            .contains(&"sqlite-foreign-keys-pragma-in-transaction")
    );
    // Dropping a referenced table with foreign keys on deletes the rows that point at it.
    let two = "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE); INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1);";
    run(&mut conn, two).await.expect("p and c");
    let rebuild = "CREATE TABLE p_new (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO p_new (id) SELECT id FROM p; DROP TABLE p; ALTER TABLE p_new RENAME TO p;";
    let mut tx = conn.begin().await.expect("begins");
    run(&mut tx, rebuild).await.expect("the rebuild runs");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM c").fetch_one(&mut *tx).await.expect("counts");
    assert_eq!(left, 0, "the cascade emptied c");
    tx.rollback().await.expect("rolls back");
    assert!(rules_in_last("sqlite", &[two, rebuild]).contains(&"sqlite-drop-referenced-table"));
    // BEGIN inside strata's transaction is refused.
    let mut tx = conn.begin().await.expect("begins");
    assert!(run(&mut tx, "BEGIN").await.is_err());
    tx.rollback().await.expect("rolls back");
    assert!(
        rules_in_last("sqlite", &["BEGIN;\nCREATE TABLE x (a INTEGER);"]).contains(&"transaction-control")
    );
}

/// docs/lint.md has a section for every rule, and none for a rule that does not exist.
#[test]
fn every_rule_has_its_page() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/lint.md"))
        .expect("docs/lint.md");
    let sections: Vec<&str> = doc.lines().filter_map(|l| l.strip_prefix("### ")).collect();
    let ids: Vec<&str> = lint::RULES.iter().map(|r| r.id).collect();
    assert_eq!(sections, ids, "docs/lint.md's sections, in the registry's order");
    assert!(doc.contains(&format!("{} rules", ids.len())), "the count in docs/lint.md");
}
