//! `strata lint` on hand-written histories, in each output, and the lint `strata check` runs on
//! the migrations a branch adds (through a real git repository).

use std::process::Command;

use crate::commands::USERS;
use crate::db;
use crate::project::Project;

fn write(p: &Project, name: &str, sql: &str) {
    std::fs::write(p.root.join("migrations").join(name), sql).expect("writes a migration");
}

#[test]
fn lint_reads_the_schema_so_far_and_prints_for_people_and_programs() {
    let p = Project::new("lint", db::sqlite_url("lint"));
    p.ok(&["init", "--dialect", "postgres"]);
    write(
        &p,
        "0001_users.sql",
        "CREATE TABLE users (id BIGSERIAL PRIMARY KEY, email TEXT);\nCREATE INDEX users_email ON users (email);\n",
    );
    write(
        &p,
        "0002_age.sql",
        "ALTER TABLE users ADD COLUMN age INT;\nCREATE INDEX users_age ON users (age);\n",
    );
    p.ok(&["hash"]);

    // The index in 0001 is on a table the same migration creates; 0002's is not.
    let out = p.fails(&["lint"], 1);
    assert!(
        out.contains("error[index-not-concurrent]: builds an index on `users` without CONCURRENTLY"),
        "{out}"
    );
    assert!(out.contains(" --> migrations/0002_age.sql:2:27\n"), "{out}");
    assert!(
        out.contains("2 | CREATE INDEX users_age ON users (age);\n  |                           ^\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "= help: `CREATE INDEX CONCURRENTLY` in a migration of its own with `-- no-transaction`"
        ),
        "{out}"
    );
    assert!(out.contains("`-- strata:allow index-not-concurrent: <why>`"), "{out}");
    assert!(out.contains("error: `strata lint` found 1 error and 0 warnings in `migrations` (2 migrations, assuming PostgreSQL 13)"), "{out}");
    assert!(!out.contains("0001_users.sql"), "{out}");

    // For programs: JSON, and SARIF for code-scanning pages.
    let json: serde_json::Value = serde_json::from_str(&p.fails(&["lint", "--json"], 1)).expect("JSON");
    assert_eq!(json["findings"][0]["rule"], "index-not-concurrent", "{json}");
    assert_eq!(json["findings"][0]["line"], 2, "{json}");
    assert_eq!(json["findings"][0]["file"], "migrations/0002_age.sql", "{json}");
    let sarif: serde_json::Value =
        serde_json::from_str(&p.fails(&["lint", "--format", "sarif"], 1)).expect("SARIF");
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "index-not-concurrent", "{sarif}");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 2, "{sarif}");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().map_or(0, Vec::len);
    assert!(rules >= 25, "{rules} rules described");

    // Named, or after a version: 0001 alone finds nothing.
    assert!(
        p.ok(&["lint", "0001"])
            .starts_with("ok: `strata lint` found nothing in the migrations named (1 migration")
    );
    assert!(p.fails(&["lint", "--since", "1"], 1).contains("error[index-not-concurrent]"));
    assert!(p.fails(&["lint", "--since", "0001_users"], 1).contains("error[index-not-concurrent]"));
    // A version no migration has is a bound too (one deployed from another branch).
    assert!(
        p.ok(&["lint", "--since", "7"])
            .starts_with("ok: `strata lint` found nothing in the migrations after 7 (0 migrations")
    );
    assert!(p.fails(&["lint", "nine"], 2).contains("`nine` is not a migration of `migrations`"));

    // Linted as one batch, 0001 and 0002 are new together: `users` holds no rows yet.
    assert!(p.ok(&["lint", "0001", "0002"]).starts_with("ok:"));

    // Let pass on the statement, with the reason.
    write(
        &p,
        "0002_age.sql",
        "ALTER TABLE users ADD COLUMN age INT;\n-- strata:allow index-not-concurrent: users holds 40 rows in every deployment\nCREATE INDEX users_age ON users (age);\n",
    );
    assert!(p.ok(&["lint"]).starts_with("ok: `strata lint` found nothing"));
    // Without a reason the comment is the error.
    write(
        &p,
        "0002_age.sql",
        "ALTER TABLE users ADD COLUMN age INT;\n-- strata:allow index-not-concurrent\nCREATE INDEX users_age ON users (age);\n",
    );
    assert!(p.fails(&["lint"], 1).contains("error[allow-comment]: this `strata:allow` gives no reason"));

    // Levels and the server in strata.toml.
    write(&p, "0002_age.sql", "CREATE INDEX users_age ON users (email);\n");
    let toml = p.root.join("migrations/strata.toml");
    let text = std::fs::read_to_string(&toml).expect("strata.toml");
    std::fs::write(
        &toml,
        format!("{text}\n[lint]\nserver = \"postgres 15\"\n[lint.levels]\nindex-not-concurrent = \"warn\"\n"),
    )
    .expect("writes");
    let out = p.ok(&["lint"]);
    assert!(out.contains("warning[index-not-concurrent]"), "{out}");
    assert!(out.contains("warning: `strata lint` found 0 errors and 2 warnings"), "{out}");
    assert!(out.contains("assuming PostgreSQL 15"), "{out}");
    std::fs::write(&toml, format!("{text}\n[lint.levels]\nindex-concurrently = \"warn\"\n")).expect("writes");
    let out = p.fails(&["lint"], 2);
    assert!(out.contains("[lint.levels]: no lint rule is named `index-concurrently`"), "{out}");
    std::fs::write(&toml, &text).expect("writes");

    // A main branch without the directory: every migration is new, as one batch.
    git(&p, &["init", "-q", "-b", "main"]);
    git(&p, &["commit", "-q", "--allow-empty", "-m", "start"]);
    let out = p.ok(&["lint", "--new"]);
    assert!(
        out.contains("found 0 errors and 1 warning in the migrations not on `main` (2 migrations"),
        "{out}"
    );
}

fn git(p: &Project, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(&p.root)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn check_lints_the_migrations_the_branch_adds() {
    let p = Project::new("check_lint", db::sqlite_url("check_lint"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    // Outside a repository nothing is new: nothing is linted.
    assert!(p.ok(&["check"]).starts_with("ok: the models match"));
    git(&p, &["init", "-q", "-b", "trunk"]);
    git(&p, &["add", "-A"]);
    git(&p, &["commit", "-q", "-m", "users"]);
    // A repository with no branch of the usual names: said, not guessed.
    let out = p.ok(&["check"]);
    assert!(
        out.contains(
            "note: nothing linted: git knows none of `main`, `origin/main`, `master`, `origin/master` here"
        ),
        "{out}"
    );
    git(&p, &["branch", "-m", "main"]);
    git(&p, &["checkout", "-q", "-b", "feature"]);
    // On the branch: a migration main does not have, which SQLite would ignore as written.
    p.ok(&["generate", "--empty", "-m", "rebuild"]);
    let up = p.files(".up.sql").into_iter().find(|f| f.to_string_lossy().contains("_rebuild")).expect("up");
    std::fs::write(&up, "PRAGMA foreign_keys = OFF;\n").expect("writes");
    p.ok(&["hash"]);
    let out = p.fails(&["check"], 1);
    assert!(out.contains("error[sqlite-foreign-keys-pragma-in-transaction]"), "{out}");
    assert!(out.contains("in the migrations not on `main` (1 migration, assuming SQLite 3.35)"), "{out}");
    assert!(out.contains("error: `strata check` found 1 problem"), "{out}");
    let json: serde_json::Value = serde_json::from_str(&p.fails(&["check", "--json"], 1)).expect("JSON");
    assert_eq!(json["lint"]["findings"][0]["rule"], "sqlite-foreign-keys-pragma-in-transaction", "{json}");
    // --since names the first new one instead; after the last, nothing is new.
    let latest = p
        .files(".up.sql")
        .into_iter()
        .filter_map(|f| f.file_name()?.to_string_lossy().split('_').next().map(str::to_owned))
        .max()
        .expect("a version");
    assert!(p.ok(&["check", "--since", &latest]).starts_with("ok: the models match"));
    // Fixed as the rule says, the check passes and says it linted.
    std::fs::write(&up, "-- no-transaction\nPRAGMA foreign_keys = OFF;\n").expect("writes");
    p.ok(&["hash"]);
    let out = p.ok(&["check"]);
    assert!(out.starts_with("ok: the models match the 2 migration(s)"), "{out}");
    assert!(out.contains("\nok: `strata lint` found nothing in the migrations not on `main`"), "{out}");
}
