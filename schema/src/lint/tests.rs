//! The harness the rules' tests share, and the linter's own tests.

use super::*;
use crate::migrations::{Layout, Migration, SqlFile, says_no_transaction};

/// A history of up files, numbered from 1, in `dialect`.
pub(crate) fn history(dialect: &str, files: &[&str]) -> MigrationSet {
    let migrations = files
        .iter()
        .enumerate()
        .map(|(i, sql)| {
            let n = i as i64 + 1;
            Migration {
                version: n.to_string(),
                version_number: n,
                description: format!("m{n}"),
                layout: Layout::SqlxSimple,
                up: SqlFile { path: format!("migrations/{n}_m{n}.sql").into(), sql: (*sql).to_owned() },
                down: None,
                no_transaction: says_no_transaction(sql),
                down_no_transaction: false,
                checksum: [0; 48],
                replaces: Vec::new(),
            }
        })
        .collect();
    let config = crate::Config::new(dialect.parse().expect("a dialect"));
    MigrationSet { dir: "migrations".into(), config, migrations }
}

/// Every finding of a lint of the whole history, each migration its own batch.
pub(crate) fn findings_on(dialect: &str, server: Option<&str>, files: &[&str]) -> Vec<Finding> {
    let set = history(dialect, files);
    let mut options = Options::from_config(&set).expect("options");
    if let Some(s) = server {
        options.server = Server::parse(set.config.dialect, s).expect("a server");
    }
    lint(&set, &options).unwrap_or_else(|e| panic!("the history replays: {e}"))
}

#[track_caller]
pub(crate) fn catches_on(rule: &str, dialect: &str, server: &str, files: &[&str]) {
    check_catch(rule, findings_on(dialect, Some(server), files), files.len());
}

/// `rule` finds something in the last file of `files`.
#[track_caller]
pub(crate) fn catches(rule: &str, dialect: &str, files: &[&str]) {
    check_catch(rule, findings_on(dialect, None, files), files.len());
}

#[track_caller]
fn check_catch(rule: &str, found: Vec<Finding>, last: usize) {
    assert!(super::rule(rule).is_some(), "`{rule}` is registered");
    let hits: Vec<&Finding> = found.iter().filter(|f| f.rule == rule).collect();
    assert!(!hits.is_empty(), "`{rule}` finds nothing; found: {found:#?}");
    for f in &hits {
        assert_eq!(f.version, last as i64, "`{rule}` finds it in the last file: {f:#?}");
        assert!(f.line > 0 && f.column > 0 && !f.source_line.is_empty(), "located: {f:#?}");
    }
}

/// `rule` finds nothing in `files`.
#[track_caller]
pub(crate) fn passes(rule: &str, dialect: &str, files: &[&str]) {
    assert!(super::rule(rule).is_some(), "`{rule}` is registered");
    let found = findings_on(dialect, None, files);
    let hits: Vec<&Finding> = found.iter().filter(|f| f.rule == rule).collect();
    assert!(hits.is_empty(), "`{rule}` should find nothing: {hits:#?}");
}

#[test]
fn rule_ids_are_unique_and_kebab_case() {
    let mut seen = BTreeSet::new();
    for r in RULES {
        assert!(seen.insert(r.id), "`{}` is registered twice", r.id);
        assert!(r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "`{}`", r.id);
        assert!(!r.summary.is_empty() && !r.dialects.is_empty());
    }
    assert!(RULES.len() >= 25, "{} rules", RULES.len());
}

#[test]
fn an_allow_comment_lets_a_finding_pass_and_is_itself_checked() {
    let t = "CREATE TABLE t (a INT);";
    // Before the statement, and after it on its line.
    for allowed in [
        "-- strata:allow drop-table: the table was never read by a release\nDROP TABLE t;",
        "DROP TABLE t; -- strata:allow drop-table: the table was never read by a release",
    ] {
        let found = findings_on("sqlite", None, &[t, allowed]);
        assert!(found.is_empty(), "{found:#?}");
    }
    let rules = |sql: &str| -> Vec<(&'static str, Level)> {
        findings_on("sqlite", None, &[t, sql]).into_iter().map(|f| (f.rule, f.level)).collect()
    };
    // No reason: the finding passes, the comment is an error.
    assert_eq!(rules("-- strata:allow drop-table\nDROP TABLE t;"), [(ALLOW_RULE, Level::Error)]);
    // An unknown rule.
    assert_eq!(
        rules("-- strata:allow drop-tables: why\nDROP TABLE t;"),
        [("drop-table", Level::Error), (ALLOW_RULE, Level::Error)]
    );
    // A comment that lets nothing pass.
    assert_eq!(
        rules("-- strata:allow drop-column: why\nDROP TABLE t;"),
        [("drop-table", Level::Error), (ALLOW_RULE, Level::Warn)]
    );
    // One comment for the statement it stands before, not the next.
    assert_eq!(
        rules(
            "-- strata:allow drop-table: why\nDROP TABLE t;\nCREATE TABLE u (a INT);\nALTER TABLE u RENAME TO v;"
        ),
        []
    );
}

#[test]
fn levels_and_batches_come_from_the_options() {
    let set = history("sqlite", &["CREATE TABLE t (a INT);", "DROP TABLE t;"]);
    let mut options = Options::from_config(&set).expect("options");
    options.levels.insert("drop-table".into(), Level::Warn);
    let found = lint(&set, &options).expect("lints");
    assert_eq!(found.iter().map(|f| (f.rule, f.level)).collect::<Vec<_>>(), [("drop-table", Level::Warn)]);
    options.levels.insert("drop-table".into(), Level::Off);
    assert!(lint(&set, &options).expect("lints").is_empty());
    // Linted as one batch, the table the first creates is new in the second.
    let mut batch = Options::from_config(&set).expect("options");
    batch.only = Some([1, 2].into());
    assert!(lint(&set, &batch).expect("lints").is_empty());
    // Only the second linted: the table was released with the first.
    batch.only = Some([2].into());
    assert_eq!(lint(&set, &batch).expect("lints").len(), 1);
}

#[test]
fn strata_toml_names_the_server_and_levels() {
    let mut config = crate::Config::parse(
        "dialect = \"postgres\"\n[lint]\nserver = \"postgres 11\"\n[lint.levels]\nint-primary-key = \"error\"\n",
    )
    .expect("parses");
    let set = MigrationSet { dir: "m".into(), config: config.clone(), migrations: Vec::new() };
    let options = Options::from_config(&set).expect("reads");
    assert_eq!(options.server.to_string(), "PostgreSQL 11");
    assert_eq!(options.levels.get("int-primary-key"), Some(&Level::Error));
    config.lint.levels.insert("no-such-rule".into(), "warn".into());
    let set = MigrationSet { dir: "m".into(), config: config.clone(), migrations: Vec::new() };
    assert!(
        Options::from_config(&set).expect_err("refused").contains("no lint rule is named `no-such-rule`")
    );
    config.lint.levels.clear();
    config.lint.server = Some("mysql 8".into());
    let set = MigrationSet { dir: "m".into(), config, migrations: Vec::new() };
    assert!(Options::from_config(&set).expect_err("refused").contains("not a PostgreSQL server"));
    assert_eq!(Server::parse(Dialect::Mysql, "mariadb 10.11").expect("parses").to_string(), "MariaDB 10.11");
}

#[test]
fn every_rule_has_a_catch_and_an_exemption_tested() {
    let sources = [
        include_str!("rules/any.rs"),
        include_str!("rules/postgres.rs"),
        include_str!("rules/mysql.rs"),
        include_str!("rules/sqlite.rs"),
    ]
    .concat();
    for r in RULES {
        let id = format!("\"{}\"", r.id);
        let called = |f: &str| {
            sources.match_indices(f).any(|(i, _)| sources[i + f.len()..].trim_start().starts_with(&id))
        };
        assert!(called("catches(") || called("catches_on("), "`{}` has no test of what it catches", r.id);
        assert!(called("passes("), "`{}` has no test of what it lets pass", r.id);
    }
}
