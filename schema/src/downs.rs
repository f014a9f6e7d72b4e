//! Proven downs: the replay of a migration's up and then its down must give back the schema
//! the history had before the up, with no database.
//!
//! [`prove`] is the plain statement of that proof: every migration with a down file is checked
//! on a copy of the whole schema. It is the reference a faster proof (copying only the tables
//! a migration touches) is tested against, and what the fixtures' downs are judged by.

use std::path::PathBuf;

use crate::diff::{self, Sides};
use crate::migrations::MigrationSet;
use crate::plan::{self, Target};
use crate::replay::apply_sql_with;
use crate::{ReplayError, Schema};

/// A down file that does not give back the schema before its up.
#[derive(Debug)]
pub struct Unrestored {
    /// The migration, as a user names it (`20240101120000_add_users`).
    pub migration: String,
    /// Its down file.
    pub down: PathBuf,
    pub problem: Problem,
}

#[derive(Debug)]
pub enum Problem {
    /// The down does not replay after its up (at its file, line and column).
    Replay(ReplayError),
    /// The down replays, but the schema it leaves differs from the one before the up.
    Differs {
        /// Each difference in words, as `check` says them.
        differences: Vec<String>,
        /// SQL the down lacks, to be added at its end; `None` when strata cannot write it.
        fix: Option<String>,
    },
}

/// How a user marks a migration that cannot be undone on purpose, in words.
pub const IRREVERSIBLE_HINT: &str =
    "if the migration cannot be undone on purpose, say so in its down file: `-- strata:irreversible <why>`";

impl Unrestored {
    /// The first line: which down, and what is wrong with it.
    pub fn headline(&self) -> String {
        match &self.problem {
            Problem::Replay(e) => {
                format!("the down of `{}` does not replay after its up: {}", self.migration, e.message)
            }
            Problem::Differs { .. } => {
                format!("the down of `{}` does not give back the schema before its up", self.migration)
            }
        }
    }

    /// The whole of it in plain text, the down file shown as `shown`: the headline, then the
    /// replay's error with its excerpt, or each difference and the SQL the down lacks; then how
    /// to mark the migration irreversible. What the build and `strata::testing` print.
    pub fn render(&self, shown: &str) -> String {
        let mut out = match &self.problem {
            Problem::Replay(e) => {
                format!("the down of `{}` does not replay after its up: {}", self.migration, e.render(shown))
            }
            Problem::Differs { differences, fix } => {
                let mut out = format!("{}:", self.headline());
                for d in differences {
                    out.push_str(&format!("\n  - {d}"));
                }
                if let Some(sql) = fix {
                    out.push_str(&format!("\nadd to the end of `{shown}`:"));
                    for line in sql.trim_end().lines() {
                        out.push_str(&format!("\n    {line}"));
                    }
                }
                out
            }
        };
        out.push_str(&format!("\nor, {IRREVERSIBLE_HINT}"));
        out
    }
}

/// Whether a down file says its migration is knowingly irreversible: a line
/// `-- strata:irreversible`, best followed by why. Its down is not proven; it still runs as
/// written when asked to.
pub fn marked_irreversible(sql: &str) -> bool {
    const MARK: &str = "strata:irreversible";
    sql.lines().any(|l| {
        let Some(comment) = l.trim().strip_prefix("--").map(str::trim_start) else { return false };
        comment.get(..MARK.len()).is_some_and(|c| c.eq_ignore_ascii_case(MARK))
            && comment[MARK.len()..].chars().next().is_none_or(char::is_whitespace)
    })
}

/// What `strata.toml` says of the statements of `file` (an up or a down): the effects that
/// name its path. A goose or dbmate file's two directions share a path, each with the other's
/// lines emptied: an effect at a line that holds SQL in the `other` direction is the other's.
pub(crate) fn effects<'s>(
    set: &'s MigrationSet,
    file: &crate::migrations::SqlFile,
    other: Option<&str>,
) -> Vec<(u64, Option<&'s str>)> {
    set.config
        .effects
        .iter()
        .filter(|e| file.path.ends_with(&e.file) && crate::replay::belongs_here(e.line, &file.sql, other))
        .map(|e| (e.line, e.sql.as_deref()))
        .collect()
}

/// How the two sides of a proof are named in its words.
pub const BEFORE_VS_DOWN: Sides = Sides {
    ours: "the schema before the migration",
    theirs: "the schema after its down",
    missing: "is not there after the down",
    model: false,
};

/// Replays `set` and, for every migration with a down file, its down after its up, compared
/// with the schema before the up (columns by name: `ADD COLUMN` cannot put one back where it
/// was). An up that does not replay is the replay's error, as `check` reports it.
pub fn prove(set: &MigrationSet) -> Result<Vec<Unrestored>, ReplayError> {
    let dialect = set.config.dialect;
    let mut schema = Schema::default();
    let mut found = Vec::new();
    for m in &set.migrations {
        let down = m.down.as_ref().filter(|d| !marked_irreversible(&d.sql));
        let before = down.map(|_| schema.clone());
        apply_sql_with(
            dialect,
            &mut schema,
            &m.up.path,
            &m.up.sql,
            &effects(set, &m.up, crate::replay::other_of(m, false)),
        )?;
        let (Some(down), Some(before)) = (down, before) else { continue };
        let mut reverted = schema.clone();
        let problem = match apply_sql_with(
            dialect,
            &mut reverted,
            &down.path,
            &down.sql,
            &effects(set, down, crate::replay::other_of(m, true)),
        ) {
            Err(e) => Some(Problem::Replay(e)),
            Ok(()) => differs(dialect, &before, &reverted, &set.config.unmanaged),
        };
        if let Some(problem) = problem {
            found.push(Unrestored { migration: m.name(), down: down.path.clone(), problem });
        }
    }
    Ok(found)
}

/// [`prove`]'s answer with the replay `check` makes anyway, copying only the tables each
/// migration can change (a copy of the whole schema per migration is most of a second at a
/// thousand migrations and 200 tables): the schema the migrations build, and every down that
/// does not give back the schema before its up.
pub fn replay_proving(set: &MigrationSet) -> Result<(Schema, Vec<Unrestored>), ReplayError> {
    crate::replay::replay_proving(set)
}

/// The differences between `before` and what a down left, in words.
fn differences(d: crate::Dialect, before: &Schema, reverted: &Schema) -> Vec<String> {
    let normal = |s: &Schema| {
        let mut s = s.with_columns_by_name();
        s.normalize(d);
        s
    };
    let (want, have) = (normal(before), normal(reverted));
    diff::reported(diff::compare_schemas(d, &BEFORE_VS_DOWN, &want, &have))
        .into_iter()
        .map(|x| x.message)
        .collect()
}

/// Whether what a down left differs from `before`.
pub(crate) fn differ(d: crate::Dialect, before: &Schema, reverted: &Schema) -> bool {
    !differences(d, before, reverted).is_empty()
}

/// The differences between `before` and what a down left, with the SQL that would close them.
pub(crate) fn differs(
    d: crate::Dialect,
    before: &Schema,
    reverted: &Schema,
    unmanaged: &[String],
) -> Option<Problem> {
    let differences = differences(d, before, reverted);
    if differences.is_empty() {
        return None;
    }
    // The plan from what the down left to the schema before: what the down lacks. Its
    // targets are tables as a model gives them, normalised, columns in their order.
    let mut targets = before.clone();
    targets.normalize(d);
    let targets: Vec<Target> = targets
        .tables
        .into_values()
        .map(|table| Target { table, renamed_from: None, column_renames: Vec::new() })
        .collect();
    let fix = plan::plan(d, reverted, &targets, &before.enums, unmanaged).ok().flatten().map(|p| p.up.sql);
    Some(Problem::Differs { differences, fix })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory of sqlx up/down pairs on SQLite: `(name, up, down)`.
    fn set(files: &[(&str, &str, &str)]) -> MigrationSet {
        set_in("sqlite", files)
    }

    /// The same in `dialect`; a down of `-` is no down file.
    fn set_in(dialect: &str, files: &[(&str, &str, &str)]) -> MigrationSet {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("strata-downs-{}-{n}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join(crate::CONFIG_FILE), format!("dialect = \"{dialect}\"\n")).expect("writes");
        for (name, up, down) in files {
            std::fs::write(dir.join(format!("{name}.up.sql")), up).expect("writes");
            if *down != "-" {
                std::fs::write(dir.join(format!("{name}.down.sql")), down).expect("writes");
            }
        }
        let set = MigrationSet::load(&dir, None).expect("loads");
        std::fs::remove_dir_all(&dir).ok();
        set
    }

    /// A goose file's two directions share a path: each gets the `[[effect]]`s at its own
    /// lines.
    #[test]
    fn the_effects_of_a_goose_file_go_to_their_direction() {
        let dir = std::env::temp_dir().join(format!("strata-downs-goose-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(
            dir.join("1_a.sql"),
            "-- +goose Up\nCREATE TABLE t (a INT);\nDO $$ BEGIN EXECUTE 'CREATE TABLE u (b INT)'; END $$;\n-- +goose Down\nDO $$ BEGIN EXECUTE 'DROP TABLE u'; END $$;\nDROP TABLE t;\n",
        )
        .expect("writes");
        std::fs::write(
            dir.join(crate::CONFIG_FILE),
            "dialect = \"postgres\"\n[[effect]]\nfile = \"1_a.sql\"\nline = 3\nsql = \"CREATE TABLE u (b INT);\"\n[[effect]]\nfile = \"1_a.sql\"\nline = 5\nsql = \"DROP TABLE u;\"\n",
        )
        .expect("writes");
        let set = MigrationSet::load(&dir, None).expect("loads");
        std::fs::remove_dir_all(&dir).ok();
        let schema = crate::replay(&set).expect("the up replays with its effect");
        assert!(schema.table("t").is_some() && schema.table("u").is_some());
        assert!(same_answers(&set).is_empty(), "the down replays with its own effect and restores");
        assert_eq!(set.up_effects(), [(1, 3, Some("CREATE TABLE u (b INT);"))]);
    }

    #[test]
    fn a_down_that_restores_everything_is_proven() {
        let set = set(&[
            (
                "1_users",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nCREATE INDEX ix_users_email ON users (email);",
                "DROP TABLE users;",
            ),
            ("2_age", "ALTER TABLE users ADD COLUMN age INTEGER;", "ALTER TABLE users DROP COLUMN age;"),
        ]);
        assert!(same_answers(&set).is_empty());
    }

    #[test]
    fn a_down_that_forgets_an_index_is_found_with_the_sql_it_lacks() {
        let set = set(&[
            (
                "1_users",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nCREATE INDEX ix_users_email ON users (email);",
                "DROP TABLE users;",
            ),
            ("2_drop_ix", "DROP INDEX ix_users_email;", "-- forgot it\n"),
            ("3_phone", "ALTER TABLE users ADD COLUMN phone TEXT;", "SELECT 1;"),
            (
                "4_gone",
                "ALTER TABLE users DROP COLUMN phone;",
                "-- strata:irreversible the numbers are gone\n",
            ),
        ]);
        same_answers(&set);
        let found = prove(&set).expect("replays");
        let names: Vec<&str> = found.iter().map(|u| u.migration.as_str()).collect();
        assert_eq!(names, ["2_drop_ix", "3_phone"]);
        let Problem::Differs { differences, fix } = &found[0].problem else { panic!("{found:?}") };
        assert_eq!(
            differences,
            &[
                "`users` has index `ix_users_email` on (email) in the schema before the migration, but not in the schema after its down"
            ]
        );
        assert_eq!(fix.as_deref().map(str::trim), Some("CREATE INDEX ix_users_email ON users (email);"));
        assert!(found[0].down.ends_with("2_drop_ix.down.sql"));
        let Problem::Differs { differences, fix } = &found[1].problem else { panic!("{found:?}") };
        assert!(differences.iter().any(|d| d.contains("phone")), "{differences:?}");
        assert_eq!(fix.as_deref().map(str::trim), Some("ALTER TABLE users DROP COLUMN phone;"));
    }

    /// The proof that copies part of the schema answers as the one that copies all of it.
    fn same_answers(set: &MigrationSet) -> Vec<String> {
        let said = |found: Vec<Unrestored>| -> Vec<String> {
            found
                .into_iter()
                .map(|u| match u.problem {
                    Problem::Replay(e) => format!("{} ({}): {e}", u.migration, u.down.display()),
                    Problem::Differs { differences, fix } => {
                        format!("{} ({}): {differences:?} {fix:?}", u.migration, u.down.display())
                    }
                })
                .collect()
        };
        let plain = said(prove(set).expect("replays"));
        let (schema, found) = replay_proving(set).expect("replays");
        assert_eq!(said(found), plain);
        assert_eq!(schema, crate::replay(set).expect("replays"));
        plain
    }

    #[test]
    fn a_down_says_it_is_irreversible_on_a_comment_line_of_its_own() {
        assert!(marked_irreversible("-- strata:irreversible the data is gone\nSELECT 1;"));
        assert!(marked_irreversible("SELECT 1;\n  --STRATA:IRREVERSIBLE"));
        assert!(!marked_irreversible("-- strata:irreversibly"));
        assert!(!marked_irreversible("SELECT '-- strata:irreversible';"));
        assert!(!marked_irreversible("/* strata:irreversible */"));
    }

    /// The migrations whose down both proofs find wanting.
    fn unrestored(set: &MigrationSet) -> Vec<String> {
        let found = same_answers(set);
        found.iter().map(|f| f[..f.find(' ').unwrap_or(f.len())].to_owned()).collect()
    }

    #[test]
    fn a_down_that_does_not_replay_is_found_at_its_line() {
        let set = set(&[
            ("1_users", "CREATE TABLE users (id INTEGER PRIMARY KEY);", "DROP TABLE users;"),
            ("2_posts", "CREATE TABLE posts (id INTEGER PRIMARY KEY);", "\nDROP TABLE post;"),
        ]);
        same_answers(&set);
        let found = prove(&set).expect("replays");
        assert_eq!(found.len(), 1, "{found:?}");
        let Problem::Replay(e) = &found[0].problem else { panic!("{found:?}") };
        assert_eq!(e.line, 2, "{e}");
        assert!(e.path.ends_with("2_posts.down.sql"), "{e}");
    }

    /// Renames, keys between tables, drops by index name, a table rebuilt, a down that
    /// breaks what another table points at, and an up without a down: every path of the copy.
    #[test]
    fn the_part_copied_answers_as_the_whole_on_sqlite() {
        let set = set(&[
            (
                "1_users",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\nCREATE UNIQUE INDEX ux_email ON users (email);",
                "DROP TABLE users;",
            ),
            (
                "2_posts",
                "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title TEXT);",
                "DROP TABLE posts;",
            ),
            ("3_rename", "ALTER TABLE users RENAME TO people;", "ALTER TABLE people RENAME TO users;"),
            ("4_rename_bad", "ALTER TABLE posts RENAME COLUMN title TO heading;", "SELECT 1;"),
            ("5_drop_ix", "DROP INDEX ux_email;", "CREATE INDEX ux_email ON people (email);"),
            ("6_no_down", "ALTER TABLE people ADD COLUMN age INTEGER;", "-"),
            (
                "7_rebuild",
                "CREATE TABLE people_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER);\nINSERT INTO people_new SELECT id, email, age FROM people;\nDROP TABLE people;\nALTER TABLE people_new RENAME TO people;",
                "CREATE TABLE people_old (id INTEGER PRIMARY KEY, email TEXT, age INTEGER);\nINSERT INTO people_old SELECT * FROM people;\nDROP TABLE people;\nALTER TABLE people_old RENAME TO people;",
            ),
            (
                "8_drop_posts",
                "DROP TABLE posts;",
                "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES people (id), heading TEXT, extra TEXT);",
            ),
            (
                "9_tags",
                "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nCREATE INDEX ix_tags ON tags (id);",
                "DROP INDEX ix_tags;",
            ),
        ]);
        assert_eq!(unrestored(&set), ["4_rename_bad", "5_drop_ix", "8_drop_posts", "9_tags"]);
    }

    /// On PostgreSQL, a type change makes the copy the whole schema; the answers stay.
    #[test]
    fn the_part_copied_answers_as_the_whole_on_postgres() {
        let set = set_in(
            "postgres",
            &[
                (
                    "1_mood",
                    "CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TABLE people (id BIGSERIAL PRIMARY KEY, m mood NOT NULL DEFAULT 'ok');",
                    "DROP TABLE people;\nDROP TYPE mood;",
                ),
                ("2_happy", "ALTER TYPE mood ADD VALUE 'happy';", "SELECT 1;"),
                ("3_rename_type", "ALTER TYPE mood RENAME TO feeling;", "ALTER TYPE feeling RENAME TO mood;"),
                (
                    "4_notes",
                    "CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, person BIGINT REFERENCES people (id) ON DELETE CASCADE);",
                    "DROP TABLE notes;",
                ),
                (
                    "5_cascade",
                    "ALTER TABLE people DROP COLUMN m;",
                    "ALTER TABLE people ADD COLUMN m feeling;",
                ),
            ],
        );
        assert_eq!(unrestored(&set), ["2_happy", "5_cascade"]);
    }
}
