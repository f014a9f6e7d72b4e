use std::path::Path;

use super::{Enums, Plan, PlanError, Target, plan};
use crate::{Dialect, Schema};

fn schema(d: Dialect, sql: &str) -> Schema {
    let mut s = Schema::default();
    crate::replay::apply_sql(d, &mut s, Path::new("before.sql"), sql).expect("replays");
    s.normalize(d);
    s
}

/// The targets of the models in `src`, and (PostgreSQL) the enums of its `DbEnum`s.
fn wanted(d: Dialect, src: &str) -> (Vec<Target>, Enums) {
    let file = syn::parse_file(src).expect("parses");
    let enums: Vec<crate::EnumDef> =
        crate::model::enums_in_file(&file).into_iter().map(|e| e.expect("enum")).collect();
    let lookup = |f: &crate::model::FieldDef| {
        let key = crate::model::type_key(&f.ty).unwrap_or_default();
        enums.iter().find(|e| e.ident == key).map(crate::EnumDef::to_type).ok_or_else(|| "no enum".to_owned())
    };
    let targets = crate::model::models_in_file(&file)
        .into_iter()
        .map(|m| Target::from_model(&m.expect("model"), d, &lookup).expect("table"))
        .collect();
    let map = match d {
        Dialect::Postgres => enums.iter().map(|e| (e.name.clone(), e.values.clone())).collect(),
        _ => Enums::new(),
    };
    (targets, map)
}

fn planned(d: Dialect, sql: &str, src: &str) -> Result<Option<Plan>, PlanError> {
    let (targets, enums) = wanted(d, src);
    plan(d, &schema(d, sql), &targets, &enums, &[])
}

const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL);";

#[test]
fn nothing_to_do() {
    let src = r#"#[derive(Model)] #[strata(table = "users")] struct U {
        #[strata(primary_key, auto_increment)] id: i64, email: String }"#;
    assert_eq!(planned(Dialect::Sqlite, USERS, src).expect("plans"), None);
}

#[test]
fn adds_a_nullable_column_in_place() {
    let src = r#"#[derive(Model)] #[strata(table = "users")] struct U {
        #[strata(primary_key, auto_increment)] id: i64, email: String, phone: Option<String> }"#;
    let p = planned(Dialect::Sqlite, USERS, src).expect("plans").expect("a change");
    assert_eq!(p.up.sql, "ALTER TABLE users ADD COLUMN phone TEXT;\n");
    assert_eq!(p.down.sql, "ALTER TABLE users DROP COLUMN phone;\n");
    assert_eq!(p.suggested_name, "add_phone_to_users");
    assert!(p.warnings.is_empty());
}

#[test]
fn sqlite_rebuilds_what_it_cannot_alter() {
    let src = r#"#[derive(Model)] #[strata(table = "users")] struct U {
        #[strata(primary_key, auto_increment)] id: i64, email: Option<String> }"#;
    let p = planned(Dialect::Sqlite, USERS, src).expect("plans").expect("a change");
    assert!(p.up.no_transaction);
    assert!(p.up.sql.starts_with("-- no-transaction\n"), "{}", p.up.sql);
    assert!(
        p.up.sql.contains("INSERT INTO _strata_new_users (id, email) SELECT id, email FROM users;"),
        "{}",
        p.up.sql
    );
    assert!(p.down.no_transaction);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn creates_referenced_tables_first_and_drops_them_last() {
    let src = r#"
        #[derive(Model)] #[strata(table = "posts")] struct P {
            #[strata(primary_key)] id: i64,
            #[strata(references = "users(id)")] author: i64 }
        #[derive(Model)] #[strata(table = "users")] struct U { #[strata(primary_key)] id: i64 }"#;
    for d in Dialect::ALL {
        let p = planned(d, "", src).expect("plans").expect("a change");
        let users = p.up.sql.find("CREATE TABLE").expect("create");
        assert!(
            p.up.sql[users..].starts_with(&format!("CREATE TABLE {}", d.quote_ident("users"))),
            "{}",
            p.up.sql
        );
        let drop_posts = p.down.sql.find(&format!("DROP TABLE {}", d.quote_ident("posts"))).expect("drop");
        let drop_users = p.down.sql.find(&format!("DROP TABLE {}", d.quote_ident("users"))).expect("drop");
        assert!(drop_posts < drop_users, "{}", p.down.sql);
    }
}

#[test]
fn renames_columns_and_tables() {
    let src = r#"#[derive(Model)] #[strata(table = "accounts", renamed_from = "users")] struct U {
        #[strata(primary_key, auto_increment)] id: i64, #[strata(renamed_from = "email")] mail: String }"#;
    for d in Dialect::ALL {
        let sql = if d == Dialect::Sqlite { USERS.to_owned() } else { USERS.replace(" AUTOINCREMENT", "") };
        let sql = if d == Dialect::Postgres {
            sql.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")
        } else if d == Dialect::Mysql {
            sql.replace("INTEGER PRIMARY KEY", "INTEGER AUTO_INCREMENT PRIMARY KEY")
                .replace("TEXT", "VARCHAR(255)")
        } else {
            sql
        };
        let src = if d == Dialect::Mysql {
            src.replace("mail: String", "#[strata(max_length = 255)] mail: String")
        } else {
            src.to_owned()
        };
        let p = planned(d, &sql, &src).expect("plans").expect("a change");
        let q = |s: &str| d.quote_ident(s);
        assert!(
            p.up.sql.contains(&format!("ALTER TABLE {} RENAME TO {};", q("users"), q("accounts"))),
            "{d:?}: {}",
            p.up.sql
        );
        assert!(
            p.up.sql.contains(&format!("RENAME COLUMN {} TO {}", q("email"), q("mail"))),
            "{d:?}: {}",
            p.up.sql
        );
        assert!(
            p.down.sql.contains(&format!("ALTER TABLE {} RENAME TO {};", q("accounts"), q("users"))),
            "{d:?}: {}",
            p.down.sql
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }
}

#[test]
fn warns_before_losing_data() {
    let src = r#"#[derive(Model)] #[strata(table = "users")] struct U {
        #[strata(primary_key, auto_increment)] id: i64, age: i32 }"#;
    let p = planned(Dialect::Sqlite, USERS, src).expect("plans").expect("a change");
    assert_eq!(
        p.warnings,
        [
            "adds `users.age` as NOT NULL without a default: this fails if `users` has rows; give the field `#[strata(default = \"...\")]` or make it an `Option`",
            "drops column `users.email` and the data in it",
        ]
    );
    let p = planned(Dialect::Sqlite, USERS, "").expect("plans").expect("a change");
    assert_eq!(p.warnings, ["drops table `users` and every row in it"]);
}

#[test]
fn the_change_list_reads_before_and_after() {
    let before =
        "CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE posts (id BIGINT PRIMARY KEY, author BIGINT NOT NULL REFERENCES users (id));
        CREATE INDEX posts_author_idx ON posts (author);";
    let src = r#"
        #[derive(Model)] #[strata(table = "users", index(columns(n)))] struct U {
            #[strata(primary_key)] id: i64,
            #[strata(renamed_from = "name", unique)] full_name: Option<String>,
            #[strata(default = "1")] n: i64 }
        #[derive(Model)] #[strata(table = "posts")] struct P {
            #[strata(primary_key)] id: i64, author: i64 }"#;
    let p = planned(Dialect::Postgres, before, src).expect("plans").expect("a change");
    assert_eq!(
        p.changes,
        [
            "~ column users.name renamed to full_name",
            "~ column users.full_name: NOT NULL -> nullable",
            "~ column users.n: INTEGER -> BIGINT",
            "~ column users.n: DEFAULT 0 -> DEFAULT 1",
            "+ unique users(full_name)",
            "+ index users(n)",
            "- index posts(author)",
            "- foreign key posts(author) -> users(id)",
        ]
        .map(String::from)
        .to_vec(),
        "{:#?}",
        p.changes
    );
}

/// Renaming a table (or a column) that others reference retargets their foreign keys in the
/// database itself: the plan adds none, in either direction (it once added them again, and
/// PostgreSQL held four identical keys after up, down and up).
#[test]
fn renames_do_not_add_the_foreign_keys_that_follow_them() {
    let sql = "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL);
        CREATE TABLE posts (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL REFERENCES users (id));";
    let src = r#"
        #[derive(Model)] #[strata(table = "members", renamed_from = "users")] struct M {
            #[strata(primary_key, renamed_from = "id")] member_id: i64, email: String }
        #[derive(Model)] #[strata(table = "posts")] struct P {
            #[strata(primary_key)] id: i64,
            #[strata(references = "members(member_id)")] author_id: i64 }"#;
    for d in [Dialect::Postgres, Dialect::Mysql] {
        let p = planned(d, sql, src).expect("plans").expect("a change");
        for script in [&p.up.sql, &p.down.sql] {
            assert!(!script.contains("FOREIGN KEY"), "{d:?}: {script}");
        }
        assert!(p.up.sql.contains("RENAME TO"), "{d:?}: {}", p.up.sql);
    }
}

/// A foreign key that points elsewhere is one change: the old key is dropped and the new one
/// added, and the down does the reverse, with the old key's name (the plan once added the new
/// key beside the old one, and its down forgot the new one).
#[test]
fn a_foreign_key_that_moves_replaces_the_old_one() {
    let sql = "CREATE TABLE tags (id BIGINT PRIMARY KEY);
        CREATE TABLE labels (id BIGINT PRIMARY KEY);
        CREATE TABLE posts (id BIGINT PRIMARY KEY, tag_id BIGINT NOT NULL, CONSTRAINT posts_tag FOREIGN KEY (tag_id) REFERENCES tags (id));";
    let src = r#"
        #[derive(Model)] #[strata(table = "tags")] struct T { #[strata(primary_key)] id: i64 }
        #[derive(Model)] #[strata(table = "labels")] struct L { #[strata(primary_key)] id: i64 }
        #[derive(Model)] #[strata(table = "posts")] struct P {
            #[strata(primary_key)] id: i64,
            #[strata(references = "labels(id)")] tag_id: i64 }"#;
    let p = planned(Dialect::Postgres, sql, src).expect("plans").expect("a change");
    assert_eq!(
        p.up.sql,
        "ALTER TABLE posts DROP CONSTRAINT posts_tag;\nALTER TABLE posts ADD FOREIGN KEY (tag_id) REFERENCES labels (id);\n"
    );
    assert_eq!(
        p.down.sql,
        "ALTER TABLE posts DROP CONSTRAINT posts_tag_id_fkey;\nALTER TABLE posts ADD CONSTRAINT posts_tag FOREIGN KEY (tag_id) REFERENCES tags (id);\n"
    );
    let p = planned(Dialect::Mysql, sql, src).expect("plans").expect("a change");
    assert!(p.up.sql.starts_with("ALTER TABLE posts DROP FOREIGN KEY posts_tag;\n"), "{}", p.up.sql);
    assert!(!p.up.sql.contains("DROP INDEX"), "the new key keeps using the index: {}", p.up.sql);
}

/// The down of a dropped NOT NULL column brings it back with a value for the rows (it once
/// copied rows into it without one, which fails on any table with rows), and says so.
#[test]
fn a_down_gives_a_restored_not_null_column_a_value() {
    let sql = "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, age INTEGER NOT NULL);";
    let src = r#"#[derive(Model)] #[strata(table = "users")] struct U {
        #[strata(primary_key, auto_increment)] id: i64, email: String }"#;
    let p = planned(Dialect::Sqlite, sql, src).expect("plans").expect("a change");
    assert!(!p.up.no_transaction, "SQLite drops the column in place: {}", p.up.sql);
    assert!(p.down.no_transaction, "{}", p.down.sql);
    assert!(
        p.down.sql.contains("-- `users.age` comes back without the values the up dropped: rows get 0."),
        "{}",
        p.down.sql
    );
    assert!(
        p.down.sql.contains("INSERT INTO _strata_new_users (id, email, age) SELECT id, email, 0 FROM users;"),
        "{}",
        p.down.sql
    );
    let sql = "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL, age INTEGER NOT NULL);";
    let src = r#"#[derive(Model)] #[strata(table = "users")] struct U { #[strata(primary_key)] id: i64, email: String }"#;
    let p = planned(Dialect::Postgres, sql, src).expect("plans").expect("a change");
    assert_eq!(
        p.down.sql,
        "-- `users.age` comes back without the values the up dropped: rows get 0.\nALTER TABLE users ADD COLUMN age INTEGER NOT NULL DEFAULT 0;\nALTER TABLE users ALTER COLUMN age DROP DEFAULT;\n"
    );
}

/// Found by the property test: a table renamed while one of its keys changes. The rename runs
/// first, so that the drop of the old key names the table as it then is (it named the new
/// table before the rename made it, on PostgreSQL and MySQL), and MySQL's key, named after
/// the old table, is dropped under the name MySQL gave it on the rename.
#[test]
fn a_renamed_table_is_renamed_before_anything_names_it() {
    let sql = "CREATE TABLE a (id BIGINT PRIMARY KEY);
        CREATE TABLE b (id BIGINT PRIMARY KEY, a_id BIGINT, FOREIGN KEY (a_id) REFERENCES a (id));";
    let src = r#"
        #[derive(Model)] #[strata(table = "a")] struct A { #[strata(primary_key)] id: i64 }
        #[derive(Model)] #[strata(table = "n3", renamed_from = "b")] struct B {
            #[strata(primary_key)] id: i64,
            #[strata(references = "n3(id)")] a_id: Option<i64> }"#;
    let p = planned(Dialect::Postgres, sql, src).expect("plans").expect("a change");
    assert!(
        p.up.sql.starts_with("ALTER TABLE b RENAME TO n3;\nALTER TABLE n3 DROP CONSTRAINT b_a_id_fkey;\n"),
        "{}",
        p.up.sql
    );
    let p = planned(Dialect::Mysql, sql, src).expect("plans").expect("a change");
    assert!(
        p.up.sql.starts_with("ALTER TABLE b RENAME TO n3;\nALTER TABLE n3 DROP FOREIGN KEY n3_ibfk_1;\n"),
        "{}",
        p.up.sql
    );
    // SQLite renames in place, then rebuilds: the keys of other tables follow the rename (a
    // rebuild under the new name left them pointing at the old one).
    let sql = "CREATE TABLE a (id INTEGER PRIMARY KEY, score INTEGER);
        CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));";
    let src = r#"
        #[derive(Model)] #[strata(table = "n2", renamed_from = "a", check = "score > 0")] struct A {
            #[strata(primary_key)] id: i64, score: Option<i32> }
        #[derive(Model)] #[strata(table = "b")] struct B {
            #[strata(primary_key)] id: i64,
            #[strata(references = "n2(id)")] a_id: Option<i64> }"#;
    let p = planned(Dialect::Sqlite, sql, src).expect("plans").expect("a change");
    let rename = p.up.sql.find("ALTER TABLE a RENAME TO n2;").expect("renamed in place");
    let rebuild = p.up.sql.find("CREATE TABLE _strata_new_n2").expect("rebuilt");
    assert!(rename < rebuild, "{}", p.up.sql);
}

/// Found by the property test: a down that creates a MySQL table again with keys MySQL named
/// itself. `CREATE TABLE` numbers the keys it names 1, 2, ... in order, so they are left to
/// MySQL only when that gives their names back; otherwise every name is written (an unnamed
/// key beside a written `b_ibfk_1` was named `b_ibfk_1` too, and MariaDB refused the table).
#[test]
fn a_mysql_table_created_again_gets_its_key_names_back() {
    let users = r#"#[derive(Model)] #[strata(table = "a")] struct A { #[strata(primary_key)] id: i64 }"#;
    let sql = "CREATE TABLE a (id BIGINT PRIMARY KEY);
        CREATE TABLE b (id BIGINT PRIMARY KEY, a_id BIGINT, f1 BIGINT,
            FOREIGN KEY (a_id) REFERENCES a (id), FOREIGN KEY (f1) REFERENCES a (id));";
    let p = planned(Dialect::Mysql, sql, users).expect("plans").expect("a change");
    assert!(!p.down.sql.contains("CONSTRAINT"), "{}", p.down.sql);
    // The first key dropped earlier: the second keeps `b_ibfk_2` only if written.
    let sql = format!("{sql}\nALTER TABLE b DROP FOREIGN KEY b_ibfk_1;");
    let p = planned(Dialect::Mysql, &sql, users).expect("plans").expect("a change");
    assert!(p.down.sql.contains("CONSTRAINT b_ibfk_2 FOREIGN KEY (f1)"), "{}", p.down.sql);
}

/// Found by the property test: SQLite dropping tables that reference each other with
/// `ON DELETE CASCADE` (a cycle) failed (`no such table: main.a`): it cannot drop the keys
/// first, so the tables go with foreign keys off.
#[test]
fn sqlite_drops_a_cycle_of_tables_with_foreign_keys_off() {
    let sql = "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER);
        CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id) ON DELETE CASCADE);
        CREATE TABLE a2 (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b (id) ON DELETE CASCADE);
        DROP TABLE a; ALTER TABLE a2 RENAME TO a;";
    let p = planned(Dialect::Sqlite, sql, "").expect("plans").expect("a change");
    assert!(p.up.no_transaction && p.up.sql.contains("PRAGMA foreign_keys = OFF;"), "{}", p.up.sql);
}

/// Found by the property test: a column added with a default and made unique in one step
/// fails on any table with two rows (they all get the default); `generate` now says so.
#[test]
fn a_new_column_made_unique_with_a_default_is_a_warning() {
    let src = r#"#[derive(Model)] #[strata(table = "users")] struct U {
        #[strata(primary_key, auto_increment)] id: i64, email: String,
        #[strata(unique, default = "7")] code: i64 }"#;
    let p = planned(Dialect::Sqlite, USERS, src).expect("plans").expect("a change");
    assert!(
        p.warnings.iter().any(|w| w.starts_with("adds `users.code` with DEFAULT 7 and makes it unique")),
        "{:?}",
        p.warnings
    );
}

const POSTS_ENUM: &str = r#"
    #[derive(DbEnum)] #[strata(rename_all = "snake_case")] enum PostStatus { VALUES }
    #[derive(Model)] #[strata(table = "posts")] struct P {
        #[strata(primary_key)] id: i64,
        #[strata(db_enum DEFAULT)] status: PostStatus }"#;

fn posts(values: &str, default: &str) -> String {
    POSTS_ENUM.replace("VALUES", values).replace("DEFAULT", default)
}

#[test]
fn postgres_enum_is_created_before_its_table_and_dropped_after() {
    let p = planned(Dialect::Postgres, "", &posts("Draft, Published", "")).expect("plans").expect("a change");
    assert_eq!(
        p.up.sql,
        "CREATE TYPE post_status AS ENUM ('draft', 'published');\nCREATE TABLE posts (\n    id BIGINT NOT NULL,\n    status post_status NOT NULL,\n    PRIMARY KEY (id)\n);\n"
    );
    assert_eq!(p.down.sql, "DROP TABLE posts;\nDROP TYPE post_status;\n");
    assert!(p.changes.contains(&"+ enum post_status ('draft', 'published')".to_owned()), "{:?}", p.changes);
}

const POSTS_PG: &str = "CREATE TYPE post_status AS ENUM ('draft', 'published');
    CREATE TABLE posts (id BIGINT PRIMARY KEY, status post_status NOT NULL);";

#[test]
fn postgres_enum_grows_by_add_value_in_a_transaction() {
    let p = planned(Dialect::Postgres, POSTS_PG, &posts("Draft, Review, Published, Archived", ""))
        .expect("plans")
        .expect("a change");
    assert_eq!(
        p.up.sql,
        "ALTER TYPE post_status ADD VALUE 'review' BEFORE 'published';\nALTER TYPE post_status ADD VALUE 'archived';\n"
    );
    assert!(!p.up.no_transaction && p.warnings.is_empty(), "{p:?}");
    // PostgreSQL cannot take the values out again: the down makes the type anew.
    assert_eq!(
        p.down.sql,
        "ALTER TYPE post_status RENAME TO post_status_old;\nCREATE TYPE post_status AS ENUM ('draft', 'published');\nALTER TABLE posts ALTER COLUMN status TYPE post_status USING status::text::post_status;\nDROP TYPE post_status_old;\n"
    );
}

#[test]
fn postgres_enum_value_used_at_once_runs_outside_a_transaction() {
    let p = planned(
        Dialect::Postgres,
        POSTS_PG,
        &posts("Draft, Published, Archived", ", default = \"'archived'\""),
    )
    .expect("plans")
    .expect("a change");
    assert!(p.up.no_transaction, "{}", p.up.sql);
    assert!(p.up.sql.starts_with("-- no-transaction\n"), "{}", p.up.sql);
    assert!(p.up.sql.contains("ALTER TYPE post_status ADD VALUE 'archived';\nALTER TABLE posts ALTER COLUMN status SET DEFAULT 'archived';"), "{}", p.up.sql);
}

#[test]
fn postgres_enum_losing_a_value_is_made_anew_with_a_warning() {
    let before = "CREATE TYPE post_status AS ENUM ('draft', 'published', 'archived');
        CREATE TABLE posts (id BIGINT PRIMARY KEY, status post_status NOT NULL DEFAULT 'draft');";
    let p = planned(Dialect::Postgres, before, &posts("Draft, Published", ", default = \"'draft'\""))
        .expect("plans")
        .expect("a change");
    assert_eq!(
        p.up.sql,
        "ALTER TYPE post_status RENAME TO post_status_old;\nCREATE TYPE post_status AS ENUM ('draft', 'published');\nALTER TABLE posts ALTER COLUMN status DROP DEFAULT;\nALTER TABLE posts ALTER COLUMN status TYPE post_status USING status::text::post_status;\nALTER TABLE posts ALTER COLUMN status SET DEFAULT 'draft';\nDROP TYPE post_status_old;\n"
    );
    assert_eq!(
        p.warnings,
        ["takes 'archived' out of enum `post_status`: the migration fails if a row holds it"]
    );
}

#[test]
fn postgres_enum_goes_with_its_last_column() {
    let src = r#"#[derive(Model)] #[strata(table = "posts")] struct P { #[strata(primary_key)] id: i64 }"#;
    let p = planned(Dialect::Postgres, POSTS_PG, src).expect("plans").expect("a change");
    assert_eq!(p.up.sql, "ALTER TABLE posts DROP COLUMN status;\nDROP TYPE post_status;\n");
    assert!(p.down.sql.starts_with("CREATE TYPE post_status AS ENUM ('draft', 'published');\n-- `posts.status` comes back without the values the up dropped: rows get 'draft'.\nALTER TABLE posts ADD COLUMN status post_status NOT NULL DEFAULT 'draft';"), "{}", p.down.sql);
}

#[test]
fn mysql_enum_is_the_column_type() {
    let before = "CREATE TABLE posts (id BIGINT PRIMARY KEY, status ENUM('draft', 'published') NOT NULL);";
    let p = planned(Dialect::Mysql, before, &posts("Draft, Published, Archived", ""))
        .expect("plans")
        .expect("a change");
    assert_eq!(
        p.up.sql,
        "ALTER TABLE posts MODIFY COLUMN status ENUM('draft','published','archived') NOT NULL;\n"
    );
    assert!(p.warnings.is_empty(), "a value added loses nothing: {:?}", p.warnings);
    let p = planned(Dialect::Mysql, before, &posts("Draft", "")).expect("plans").expect("a change");
    assert_eq!(p.warnings.len(), 1, "a value taken out can fail: {:?}", p.warnings);
}

#[test]
fn sqlite_enum_is_a_check() {
    let p = planned(Dialect::Sqlite, "", &posts("Draft, Published", "")).expect("plans").expect("a change");
    assert!(p.up.sql.contains("CHECK (status in ('draft', 'published'))"), "{}", p.up.sql);
    let before = "CREATE TABLE posts (id INTEGER NOT NULL PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('draft', 'published')));";
    let p = planned(Dialect::Sqlite, before, &posts("Draft, Published, Archived", ""))
        .expect("plans")
        .expect("a change");
    assert!(
        p.up.no_transaction && p.up.sql.contains("in ('draft', 'published', 'archived')"),
        "{}",
        p.up.sql
    );
}

#[test]
fn postgres_text_becomes_an_enum_through_text() {
    let before = "CREATE TABLE posts (id BIGINT PRIMARY KEY, status TEXT NOT NULL DEFAULT 'draft');";
    let p = planned(Dialect::Postgres, before, &posts("Draft, Published", ", default = \"'draft'\""))
        .expect("plans")
        .expect("a change");
    assert_eq!(
        p.up.sql,
        "CREATE TYPE post_status AS ENUM ('draft', 'published');\nALTER TABLE posts ALTER COLUMN status DROP DEFAULT;\nALTER TABLE posts ALTER COLUMN status TYPE post_status USING status::text::post_status;\nALTER TABLE posts ALTER COLUMN status SET DEFAULT 'draft';\n"
    );
    assert!(
        p.down.sql.contains("TYPE TEXT USING status::text::TEXT;\n")
            && p.down.sql.ends_with("DROP TYPE post_status;\n"),
        "{}",
        p.down.sql
    );
}
