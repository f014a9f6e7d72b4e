//! The commands beside the main workflow, on SQLite: the team workflow through real git
//! merges and rebases, `check --json`, `stamp`, `models`, `erd`, and output into a closed pipe.

use std::process::{Command, Stdio};

use crate::db;
use crate::project::{Project, text};

pub(crate) const USERS: &str = r#"
#[derive(Model)]
#[strata(table = "users")]
pub struct User {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
}
"#;

const POSTS: &str = r#"
#[derive(Model)]
#[strata(table = "posts", index(columns(author_id)))]
pub struct Post {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(references = "users(id)", on_delete = "cascade")]
    pub author_id: i64,
    pub title: Option<String>,
}
"#;

const TAGS: &str = r#"
#[derive(Model)]
#[strata(table = "tags")]
pub struct Tag {
    #[strata(primary_key)]
    pub name: String,
}
"#;

/// `git <args>` in the project, which must succeed unless `may_fail`; what it printed.
fn git(p: &Project, args: &[&str], may_fail: bool) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(&p.root)
        .env("GIT_AUTHOR_NAME", "strata")
        .env("GIT_AUTHOR_EMAIL", "strata@example.com")
        .env("GIT_COMMITTER_NAME", "strata")
        .env("GIT_COMMITTER_EMAIL", "strata@example.com")
        .env("GIT_EDITOR", "true")
        .output()
        .expect("git runs");
    assert!(may_fail || out.status.success(), "git {}: {}", args.join(" "), text(&out));
    text(&out)
}

/// A project in git on `main` with one migration (users), then the two heads of a team: a
/// branch `feature` adds a migration for tags, and `main` one for posts. `feature_first` says
/// whose migration is made first, so has the older version (UTC seconds).
fn two_branches(name: &str, feature_first: bool) -> Project {
    let p = Project::new(name, db::sqlite_url(name));
    git(&p, &["init", "-q", "-b", "main"], false);
    std::fs::write(p.root.join(".gitignore"), "target/\n").expect(".gitignore");
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    git(&p, &["add", "-A"], false);
    git(&p, &["commit", "-q", "-m", "users"], false);
    git(&p, &["branch", "feature"], false);

    let feature = |p: &Project| {
        git(p, &["checkout", "-q", "feature"], false);
        std::fs::write(p.root.join("src/tags.rs"), format!("use strata::Model;\n{TAGS}")).expect("tags.rs");
        p.ok(&["generate", "-m", "tags"]);
        git(p, &["add", "-A"], false);
        git(p, &["commit", "-q", "-m", "tags"], false);
    };
    let main = |p: &Project| {
        git(p, &["checkout", "-q", "main"], false);
        p.models(&format!("{USERS}{POSTS}"));
        p.ok(&["generate", "-m", "posts"]);
        git(p, &["add", "-A"], false);
        git(p, &["commit", "-q", "-m", "posts"], false);
    };
    // Versions are UTC seconds: the two are made seconds apart, as people make them.
    let later = || std::thread::sleep(std::time::Duration::from_millis(2100));
    later();
    if feature_first {
        feature(&p);
        later();
        main(&p);
    } else {
        main(&p);
        later();
        feature(&p);
    }
    p
}

/// The migration names in the order `history` lists them.
/// A SQLite project with two migrations, `users` then `posts` (a second apart, so that their
/// versions differ); their names.
fn users_then_posts(p: &Project) -> [String; 2] {
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    p.models(&format!("{USERS}{POSTS}"));
    p.ok(&["generate", "-m", "posts"]);
    <[String; 2]>::try_from(history(p)).expect("two migrations")
}

fn history(p: &Project) -> Vec<String> {
    p.ok(&["history"]).lines().filter_map(|l| l.split_whitespace().next().map(str::to_owned)).collect()
}

#[test]
fn a_merge_of_two_heads_is_renumbered() {
    let p = two_branches("team_merge", false);
    git(&p, &["checkout", "-q", "main"], false);
    let out = git(&p, &["merge", "-q", "feature"], true);
    assert!(out.contains("CONFLICT") && out.contains("strata.sum"), "{out}");

    let out = p.fails(&["check"], 1);
    assert!(out.contains("two branches each added migrations"), "{out}");
    assert!(out.contains("(multiple heads)"), "{out}");
    assert!(out.contains("this branch adds `") && out.contains("_posts`"), "{out}");
    assert!(out.contains("the other branch adds `") && out.contains("_tags`"), "{out}");
    assert!(out.contains("`strata renumber`"), "{out}");
    let json: serde_json::Value = serde_json::from_str(&p.fails(&["check", "--json"], 1)).expect("JSON");
    assert_eq!(json["ok"], false);
    assert_eq!(json["problems"][0]["kind"], "multiple_heads", "{json}");
    assert_eq!(json["migrations"], 3, "{json}");
    let out = p.fails(&["generate", "-m", "more"], 1);
    assert!(out.contains("multiple heads"), "{out}");
    // `heads` names both, this branch's first.
    let out = p.ok(&["heads"]);
    let heads: Vec<&str> = out.lines().filter(|l| l.ends_with(" (head)")).collect();
    assert!(
        heads.len() == 2 && heads[0].ends_with("_posts (head)") && heads[1].ends_with("_tags (head)"),
        "{out}"
    );
    assert!(out.contains("`strata renumber`"), "{out}");

    // Merging: this branch (main) is ours, so its migration moves after the other's.
    let before = history(&p);
    let out = p.ok(&["renumber"]);
    assert!(out.contains("_posts -> ") && !out.contains("_tags -> "), "{out}");
    let after = history(&p);
    assert_eq!(after.len(), 3, "{after:?}");
    assert_eq!(after[0], before[0], "the common migration keeps its version");
    assert!(after[1].ends_with("_tags") && after[2].ends_with("_posts"), "{after:?}");
    let sum = std::fs::read_to_string(p.root.join("migrations/strata.sum")).expect("strata.sum");
    assert!(!sum.contains("<<<<<<<") && !sum.contains(">>>>>>>"), "{sum}");
    assert!(p.ok(&["check"]).starts_with("ok: the models match the 3 migration(s)"));
    let json: serde_json::Value = serde_json::from_str(&p.ok(&["heads", "--json"])).expect("JSON");
    assert_eq!(json["heads"].as_array().map(Vec::len), Some(1), "{json}");
    assert!(json["heads"][0].as_str().is_some_and(|h| h.ends_with("_posts")), "{json}");
    git(&p, &["add", "-A"], false);
    git(&p, &["commit", "-q", "-m", "merge feature"], false);

    // The merged history applies in its new order.
    p.ok(&["up"]);
    assert!(p.ok(&["verify"]).contains("matches"));
}

#[test]
fn a_merge_already_in_order_only_records_the_sum_again() {
    // This branch's migration is the newer: it runs last as it is.
    let p = two_branches("team_in_order", true);
    git(&p, &["checkout", "-q", "main"], false);
    git(&p, &["merge", "-q", "feature"], true);
    p.fails(&["check"], 1);
    let before = history(&p);
    let out = p.ok(&["renumber"]);
    assert!(out.starts_with("nothing to move"), "{out}");
    assert_eq!(history(&p), before);
    assert!(p.ok(&["check"]).starts_with("ok: the models match the 3 migration(s)"));
}

#[test]
fn a_rebase_renumbers_the_branch_being_replayed() {
    let p = two_branches("team_rebase", true);
    git(&p, &["checkout", "-q", "feature"], false);
    let out = git(&p, &["rebase", "main"], true);
    assert!(out.contains("CONFLICT"), "{out}");

    // Rebasing: the commits replayed (the feature's) are this branch's, though git calls the
    // other side "ours".
    let out = p.fails(&["check"], 1);
    assert!(out.contains("this branch adds `") && out.contains("_tags`"), "{out}");
    assert!(out.contains("the other branch adds `") && out.contains("_posts`"), "{out}");
    let out = p.ok(&["renumber"]);
    assert!(out.contains("_tags -> ") && !out.contains("_posts -> "), "{out}");
    let after = history(&p);
    assert!(after[1].ends_with("_posts") && after[2].ends_with("_tags"), "{after:?}");
    // The rebase has the models of both sides once it goes on.
    assert!(p.ok(&["check"]).starts_with("ok:"));
    git(&p, &["add", "-A"], false);
    git(&p, &["rebase", "--continue"], false);
    assert!(p.ok(&["check"]).starts_with("ok: the models match the 3 migration(s)"));
}

#[test]
fn check_proves_every_down_and_says_the_sql_it_lacks() {
    let p = Project::new("check_downs", db::sqlite_url("check_downs"));
    // A target directory cargo made, where the CLI keeps what it proved.
    std::fs::create_dir_all(p.root.join("target")).expect("target/");
    std::fs::write(p.root.join("target/CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55\n")
        .expect("CACHEDIR.TAG");
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    // The downs `generate` writes are proven.
    assert!(p.ok(&["check"]).starts_with("ok: the models match the 1 migration(s)"));

    // By hand: an up that changes nothing in the end, and a down that leaves a column behind.
    p.ok(&["generate", "--empty", "-m", "note"]);
    let up = p.files(".up.sql").into_iter().find(|f| f.to_string_lossy().contains("_note")).expect("up");
    let down = up.with_file_name(up.file_name().expect("name").to_string_lossy().replace(".up.", ".down."));
    std::fs::write(&up, "ALTER TABLE users ADD COLUMN note TEXT;\nALTER TABLE users DROP COLUMN note;\n")
        .expect("writes");
    std::fs::write(&down, "ALTER TABLE users ADD COLUMN note TEXT;\n").expect("writes");
    p.ok(&["hash"]);
    let out = p.fails(&["check"], 1);
    let name = up.file_name().expect("name").to_string_lossy().replace(".up.sql", "");
    assert!(
        out.contains(&format!("error: the down of `{name}` does not give back the schema before its up")),
        "{out}"
    );
    assert!(out.contains(&format!("--> migrations/{name}.down.sql")), "{out}");
    assert!(
        out.contains(
            "column `users.note` is in the schema after its down, but not in the schema before the migration"
        ),
        "{out}"
    );
    assert!(
        out.contains("add to the end of the down file:\n     ALTER TABLE users DROP COLUMN note;"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&p.fails(&["check", "--json"], 1)).expect("JSON");
    assert_eq!(json["problems"][0]["kind"], "down", "{json}");
    assert_eq!(json["problems"].as_array().map(Vec::len), Some(1), "{json}");

    // Its fix, applied, is proven, and a second run says so from what the first stored.
    std::fs::write(&down, "ALTER TABLE users ADD COLUMN note TEXT;\nALTER TABLE users DROP COLUMN note;\n")
        .expect("writes");
    p.ok(&["hash"]);
    assert!(p.ok(&["check"]).starts_with("ok:"));
    // Stored: the first check's proof, and this one's (none while a down was wanting).
    let stored = p.root.join("target/strata.store/proven");
    assert_eq!(std::fs::read_dir(&stored).map(Iterator::count).ok(), Some(2), "{}", stored.display());
    assert!(p.ok(&["check"]).starts_with("ok:"));
    // An edit to the down alone is proven again, not taken from the store.
    std::fs::write(&down, "ALTER TABLE users ADD COLUMN other TEXT;\n").expect("writes");
    p.ok(&["hash"]);
    assert!(p.fails(&["check"], 1).contains("column `users.other` is in the schema after its down"));
    // Said to be irreversible, in the file, it is not proven.
    std::fs::write(
        &down,
        "-- strata:irreversible the notes were never kept\nALTER TABLE users ADD COLUMN other TEXT;\n",
    )
    .expect("writes");
    p.ok(&["hash"]);
    assert!(p.ok(&["check"]).starts_with("ok:"));
    assert!(p.ok(&["history"]).contains(&format!("{name} (head, irreversible)")));
}

#[test]
fn check_json_says_what_drifted_and_where() {
    let p = Project::new("check_json", db::sqlite_url("check_json"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    let json: serde_json::Value = serde_json::from_str(&p.ok(&["check", "--json"])).expect("JSON");
    assert_eq!(json["ok"], true, "{json}");
    assert_eq!(json["migrations"], 1);
    assert!(json["latest"].as_str().is_some_and(|l| l.ends_with("_users")), "{json}");
    assert_eq!(json["problems"], serde_json::json!([]));

    p.models(
        &USERS.replace("    pub email: String,\n", "    pub email: String,\n    pub age: Option<i32>,\n"),
    );
    let json: serde_json::Value = serde_json::from_str(&p.fails(&["check", "--json"], 1)).expect("JSON");
    assert_eq!(json["ok"], false);
    let problem = &json["problems"][0];
    assert_eq!(problem["kind"], "drift", "{json}");
    assert_eq!(problem["message"], "column `users.age` is not created by any migration");
    // The field's line in the file written by `models` above (a `use` line comes first).
    assert_eq!(problem["location"], "src/models.rs:10:9", "{json}");
    assert_eq!(problem["notes"][0], "the SQL it needs: ALTER TABLE users ADD COLUMN age INTEGER;");
}

/// What a run stores for the next (the replay, the models as read) stands for that work only
/// while its inputs are the same, and a store that no longer agrees never hides a finding.
#[test]
fn check_reads_what_the_run_before_stored_only_while_nothing_changed() {
    let p = Project::new("stored", db::sqlite_url("stored"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    let store = p.root.join("store");
    let check = |code: i32| {
        let out = p.strata_with(&["check"], &[("STRATA_STORE", &store)]);
        assert_eq!(out.status.code(), Some(code), "{}", text(&out));
        text(&out)
    };
    let stored = |kind: &str| -> Vec<std::path::PathBuf> {
        let dir = store.join(kind);
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).map_or(Vec::new(), |d| d.flatten().map(|e| e.path()).collect());
        files.sort();
        files
    };
    assert!(check(0).starts_with("ok:"));
    let (replays, models) = (stored("replays"), stored("models"));
    assert_eq!((replays.len(), models.len()), (1, 1), "{replays:?} {models:?}");

    // Read back: both stored files say `people` where the truth says `users`, and agree with
    // each other, so the check that reads them finds nothing; parsing the models would.
    for f in [&replays[0], &models[0]] {
        let text = std::fs::read_to_string(f).expect("stored").replace("\"users\"", "\"people\"");
        std::fs::write(f, text).expect("writes");
    }
    assert!(check(0).starts_with("ok:"));
    // Stored models that disagree with the replay are not believed: the models are parsed.
    let text = std::fs::read_to_string(&models[0]).expect("stored").replace("\"people\"", "\"users\"");
    std::fs::write(&models[0], text).expect("writes");
    let said = check(1);
    assert!(said.contains("table `users` is not created by any migration"), "{said}");
    std::fs::remove_dir_all(&store).expect("removes");
    assert!(check(0).starts_with("ok:"));

    // A new migration: the models as stored are read, disagree with the new replay, and the
    // finding is said at the model as always.
    std::fs::write(
        p.root.join("migrations/29990101000000_age.up.sql"),
        "ALTER TABLE users ADD COLUMN age INTEGER;\n",
    )
    .expect("writes");
    p.ok(&["hash"]);
    let said = check(1);
    assert!(said.contains("`users.age`"), "{said}");
    assert!(said.contains("src/models.rs"), "{said}");
    assert_eq!(stored("replays").len(), 2);
    // The model follows: a new key, parsed again, stored beside.
    p.models(
        &USERS.replace("    pub email: String,\n", "    pub email: String,\n    pub age: Option<i64>,\n"),
    );
    assert!(check(0).starts_with("ok: the models match the 2 migration(s)"));
    assert_eq!(stored("models").len(), 2);
}

/// A foreign key to a table that neither a model nor a migration has is a finding of `check`
/// at `references`, and `generate` writes nothing for it (on SQLite the key would be written,
/// and nothing could ever satisfy it).
#[test]
fn a_reference_to_nowhere_is_a_finding_and_generates_nothing() {
    let p = Project::new("reference_to_nowhere", db::sqlite_url("reference_to_nowhere"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(&format!("{USERS}{}", POSTS.replace("users(id)", "user(id)")));
    let json: serde_json::Value = serde_json::from_str(&p.fails(&["check", "--json"], 1)).expect("JSON");
    let problems = json["problems"].as_array().expect("problems");
    let problem = problems.iter().find(|p| p["kind"] == "model").expect("a finding at the model");
    assert_eq!(
        problem["message"],
        "`posts.author_id` references `user(id)`, but neither a model nor a migration has a table `user`"
    );
    assert_eq!(problem["location"], "src/models.rs:17:27", "{json}");
    let said = p.fails(&["generate", "-m", "posts"], 2);
    assert!(said.contains("neither a model nor a migration has a table `user`"), "{said}");
    assert!(p.files(".sql").is_empty(), "{:?}", p.files(".sql"));

    p.models(&format!("{USERS}{}", POSTS.replace("users(id)", "users(uid)")));
    let said = p.fails(&["check"], 1);
    assert!(
        said.contains("`posts.author_id` references `users(uid)`, but `users` has no column `uid`"),
        "{said}"
    );
    p.models(&format!("{USERS}{POSTS}"));
    p.ok(&["generate", "-m", "posts"]);
    p.ok(&["check"]);
}

#[test]
fn stamp_records_a_version_without_running_it() {
    let p = Project::new("stamp", db::sqlite_url("stamp"));
    let [users, posts] = users_then_posts(&p);

    // A baseline is checked: the database has no `users`, so it is not at `users`.
    let out = p.fails(&["stamp", &users], 1);
    assert!(out.contains("the database does not hold what the migrations make at"), "{out}");
    assert!(out.contains("table `users` is not in the database"), "{out}");
    assert!(out.contains("--force` records it anyway"), "{out}");
    assert_eq!(p.ok(&["current"]).trim(), "base (no migration applied)", "nothing recorded");
    // Told it is meant (the database was made some other way): stamp records it, runs nothing.
    p.ok(&["stamp", &users, "--force"]);
    assert_eq!(p.ok(&["current"]).trim(), users);
    let status: serde_json::Value = serde_json::from_str(&p.ok(&["status", "--json"])).expect("JSON");
    assert_eq!(status["pending"], 1, "{status}");
    let out = p.fails(&["verify"], 1);
    assert!(out.contains("table `users` is not in the database"), "{out}");
    assert!(out.contains("the database was changed outside its migrations"), "{out}");

    p.ok(&["stamp", "base"]);
    assert_eq!(p.ok(&["current"]).trim(), "base (no migration applied)");
    p.ok(&["up"]);
    assert_eq!(p.ok(&["current"]).trim(), format!("{posts} (head)"));
    // At head, the database matches head: stamping it there again needs no force.
    p.ok(&["stamp", "base", "--force"]);
    assert!(p.ok(&["stamp", "head"]).contains(&posts));
    let out = p.fails(&["stamp", "20990101000000"], 2);
    assert!(out.contains("no migration has version `20990101000000`"), "{out}");
    assert!(out.contains("`strata history` lists the migrations"), "{out}");
}

#[test]
fn models_adopts_a_project_from_its_migrations_or_its_database() {
    let p = Project::new("models", db::sqlite_url("models"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(&format!("{USERS}{POSTS}"));
    p.ok(&["generate", "-m", "tables"]);
    p.ok(&["up"]);

    // From the migrations: the written models are the ones `check` wants.
    let written = p.ok(&["models"]);
    assert!(written.contains("#[derive(Model)]") && written.contains("pub struct Post {"), "{written}");
    std::fs::write(p.root.join("src/models.rs"), &written).expect("models.rs");
    let out = p.ok(&["check"]);
    assert!(out.starts_with("ok:"), "{out}\n{written}");

    // From the live database, into a file.
    p.ok(&["models", "--database", "-o", "src/models.rs"]);
    let from_db = std::fs::read_to_string(p.root.join("src/models.rs")).expect("models.rs");
    assert!(from_db.contains("pub struct User {"), "{from_db}");
    assert!(from_db.contains("references = \"users(id)\""), "{from_db}");
    assert!(p.ok(&["check"]).starts_with("ok:"), "{from_db}");
    // A table strata.toml calls unmanaged is someone else's: no model for it.
    let toml = p.root.join("migrations/strata.toml");
    let text = std::fs::read_to_string(&toml).expect("strata.toml");
    std::fs::write(&toml, format!("{text}\nunmanaged = [\"posts\"]\n")).expect("writes");
    let from_db = p.ok(&["models", "--database"]);
    assert!(from_db.contains("pub struct User {") && !from_db.contains("pub struct Post {"), "{from_db}");
}

#[test]
fn erd_draws_tables_and_their_references() {
    let p = Project::new("erd", db::sqlite_url("erd"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(&format!("{USERS}{POSTS}"));
    p.ok(&["generate", "-m", "tables"]);

    let mermaid = p.ok(&["erd"]);
    assert!(mermaid.starts_with("erDiagram\n"), "{mermaid}");
    assert!(mermaid.contains("    users {\n        INTEGER id PK\n"), "{mermaid}");
    assert!(mermaid.contains("    posts }o--|| users : \"author_id\""), "{mermaid}");
    let dot = p.ok(&["erd", "--format", "dot"]);
    assert!(dot.starts_with("digraph schema {"), "{dot}");
    assert!(dot.contains("\"posts\" -> \"users\" [label=\"author_id\"];"), "{dot}");
}

#[test]
fn output_into_a_closed_pipe_is_dropped_and_the_command_still_works() {
    let p = Project::new("pipe", db::sqlite_url("pipe"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["generate", "-m", "users"])
        .current_dir(&p.root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("strata runs");
    // The reader goes away before strata writes a word (`strata generate | head -0`).
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("strata ends");
    assert!(out.status.success(), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{}", text(&out));
    assert_eq!(p.files(".up.sql").len(), 1, "the migration is written all the same");
    assert!(p.ok(&["check"]).starts_with("ok:"));
}

/// No password reaches the output, in whatever form the URL carries it: the user-info, raw
/// characters a URL parser stops at, query parameters, a URL given by mistake as a target.
#[test]
fn passwords_never_reach_the_output() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    if rt.block_on(db::postgres("cli_secrets")).is_none() {
        return;
    }
    let url = db::server_url(db::POSTGRES_URL, "cli_secrets").expect("a URL");
    // The server trusts the user, so these passwords are sent and ignored: `status` succeeds.
    let with = |password: &str| url.replacen("://postgres@", &format!("://postgres:{password}@"), 1);
    let cases = [
        (with("hunter2"), vec!["status"], true),
        (format!("{}?password=hunter3&sslmode=disable", with("hunter2")), vec!["status", "--json"], true),
        (with("hunter2"), vec!["up", "postgres://app:hunter4@db.internal/prod"], false),
        (with("hunter2"), vec!["stamp", "mysql://root:hunter4@10.0.0.1/x"], false),
        // A raw `/` ends the authority for a URL parser: the driver cannot read this URL.
        (with("hun/ter5"), vec!["status"], false),
        (with("hun@ter6"), vec!["current"], true),
    ];
    for (url, args, succeeds) in cases {
        let p = Project::new("secrets", url.clone());
        p.ok(&["init", "--dialect", "postgres"]);
        let out = p.strata(&args);
        let printed = text(&out);
        assert_eq!(out.status.success(), succeeds, "`strata {}` with {url}:\n{printed}", args.join(" "));
        for secret in ["hunter2", "hunter3", "hunter4", "ter5", "ter6"] {
            assert!(!printed.contains(secret), "`strata {}` printed `{secret}`:\n{printed}", args.join(" "));
        }
    }
    // From `.env`, percent-encoded, and a MySQL server that refuses the password.
    let p = Project::new("secrets_dotenv", String::new());
    p.ok(&["init", "--dialect", "postgres"]);
    std::fs::write(p.root.join(".env"), format!("DATABASE_URL={}\n", with("hunter%2F7"))).expect(".env");
    let out = p.strata_from_dotenv(&["status", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = p.strata_from_dotenv(&[
        "up",
        "--database-url",
        "postgres://app:hunter8@127.0.0.1:1/x",
        "--connect-timeout",
        "1",
    ]);
    assert!(!out.status.success());
    for secret in ["hunter", "%2F7"] {
        assert!(
            !text(&out).contains(secret) && !text(&p.strata_from_dotenv(&["current"])).contains(secret),
            "{}",
            text(&out)
        );
    }
    if let Some(mysql) = db::server_url(db::MYSQL_URL, "cli_secrets") {
        let p = Project::new("secrets_mysql", mysql.replacen("://root@", "://root:hunter10@", 1));
        p.ok(&["init", "--dialect", "mysql"]);
        let out = p.strata(&["status"]);
        assert!(!out.status.success() && !text(&out).contains("hunter10"), "{}", text(&out));
        assert!(text(&out).contains("root:***@"), "{}", text(&out));
    }
}

/// A failing up is shown at the up file (not the down file beside it), at the line and column
/// where PostgreSQL located the error, and without the line of the server's C source that sqlx
/// appends to PostgreSQL's messages.
#[test]
fn a_failed_migration_is_shown_at_its_up_file_and_statement() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let mut cases = vec![("sqlite", db::sqlite_url("cli_failed_at"))];
    if rt.block_on(db::postgres("cli_failed_at")).is_some() {
        cases.push(("postgres", db::server_url(db::POSTGRES_URL, "cli_failed_at").expect("a URL")));
    }
    for (dialect, url) in cases {
        let p = Project::new(&format!("failed_at_{dialect}"), url);
        p.ok(&["init", "--dialect", dialect]);
        let dir = p.root.join("migrations");
        std::fs::write(
            dir.join("20260101000000_bad.up.sql"),
            "CREATE TABLE t (id INT);\n\nINSERT INTO t SELECT x FROM t;\n",
        )
        .expect("up");
        std::fs::write(dir.join("20260101000000_bad.down.sql"), "DROP TABLE t;\n").expect("down");
        p.ok(&["hash"]);
        let out = p.fails(&["up"], 2);
        assert!(out.contains("migration 20260101000000_bad failed"), "{dialect}: {out}");
        let at = match dialect {
            "postgres" => "--> migrations/20260101000000_bad.up.sql:3:22",
            _ => "--> migrations/20260101000000_bad.up.sql",
        };
        assert!(out.contains(at), "{dialect}: {out}");
        assert!(!out.contains(".down.sql") && !out.contains(" at line "), "{dialect}: {out}");
    }
}

/// A server that refuses the connection: strata gives up after `--connect-timeout` and says why
/// (sqlx's pool alone says only that it timed out).
#[test]
fn an_unreachable_server_is_named_with_its_cause() {
    for (dialect, url) in [
        ("postgres", "postgres://app:hunter7@127.0.0.1:1/db"),
        ("mysql", "mysql://app:hunter7@127.0.0.1:1/db"),
    ] {
        let p = Project::new(&format!("unreachable_{dialect}"), url.into());
        p.ok(&["init", "--dialect", dialect]);
        let out = p.strata(&["status", "--connect-timeout", "1"]);
        let printed = text(&out);
        assert!(!out.status.success(), "{printed}");
        assert!(printed.contains("cannot reach the database at"), "{printed}");
        assert!(
            printed.contains("no connection within 1 s") && printed.contains("Connection refused"),
            "{printed}"
        );
        assert!(!printed.contains("hunter7"), "{printed}");
    }
}

/// Commands that read change nothing: `status` and `current` on a database without a history
/// are at base and leave it without one; on a SQLite path that does not exist they say so and
/// create no file; and a URL of another database than `strata.toml`'s is refused before
/// anything runs.
#[test]
fn reading_commands_change_nothing() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let missing = std::env::temp_dir().join(format!("strata-missing-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&missing);
    let sqlite_url = format!("sqlite://{}", missing.display());
    let p = Project::new("read_only", sqlite_url.clone());
    p.ok(&["init", "--dialect", "sqlite"]);
    for command in ["status", "current", "verify"] {
        let out = p.fails(&[command], 2);
        assert!(out.contains("there is no SQLite database at"), "{command}: {out}");
        assert!(!missing.exists(), "`strata {command}` created {}", missing.display());
    }
    let out = p.fails(&["status", "--database-url", "postgres://postgres@127.0.0.1:1/x"], 2);
    assert!(out.contains("the migrations are written for SQLite (`strata.toml`), but"), "{out}");
    assert!(out.contains("is a PostgreSQL database"), "{out}");

    let Some(mut conn) = rt.block_on(db::postgres("cli_read_only")) else { return };
    let url = db::server_url(db::POSTGRES_URL, "cli_read_only").expect("a URL");
    let p = Project::new("read_only_pg", url);
    p.ok(&["init", "--dialect", "postgres"]);
    assert!(p.ok(&["status"]).contains("at base"));
    assert!(p.ok(&["current"]).contains("base"));
    let tables: i64 = rt
        .block_on(
            sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_one(&mut conn),
        )
        .expect("counts");
    assert_eq!(tables, 0, "reading the status created a table");
}

/// MySQL commits as it goes: a migration that fails at its third statement is shown at that
/// statement, `status` and `current` show it half done and exit 1 (a deploy gate stops), the
/// next `up` carries on from the statement that failed once it is fixed, and `mark` records
/// what was done by hand.
#[test]
fn a_half_done_mysql_migration_is_shown_carried_on_and_marked() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let Some(mut conn) = rt.block_on(db::mysql("cli_half")) else { return };
    let p = Project::new("half_mysql", db::server_url(db::MYSQL_URL, "cli_half").expect("a URL"));
    p.ok(&["init", "--dialect", "mysql"]);
    let dir = p.root.join("migrations");
    let up = dir.join("20260101000000_half.up.sql");
    std::fs::write(&up, "CREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\n\n  CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n")
        .expect("up");
    std::fs::write(dir.join("20260101000000_half.down.sql"), "DROP TABLE b;\nDROP TABLE c;\nDROP TABLE a;\n")
        .expect("down");
    p.ok(&["hash"]);
    let out = p.fails(&["up"], 2);
    assert!(out.contains("failed at statement 3 of 4: Table 'a' already exists"), "{out}");
    assert!(out.contains("statements 1–2 are in the database, and recorded as in"), "{out}");
    assert!(out.contains("--> migrations/20260101000000_half.up.sql:4:3"), "{out}");

    let out = p.fails(&["status"], 1);
    assert!(
        out.contains("HALF     20260101000000_half")
            && out.contains("statements 1–2 of 4 are in; statement 3 failed: Table 'a' already exists"),
        "{out}"
    );
    assert!(out.contains("1 migration(s) half done"), "{out}");
    let out = p.fails(&["current"], 1);
    assert!(out.contains("20260101000000_half (half done: statements 1–2 of 4 are in"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(text(&p.strata(&["status", "--json"])).lines().next().expect("a line"))
            .expect("JSON");
    assert_eq!(json["migrations"][0]["partial"]["done"], 2, "{json}");

    // Fixed, and the edit recorded as meant: `up` carries on from statement 3; the INSERT ran once.
    std::fs::write(&up, "CREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\n\n  CREATE TABLE c (id INT);\nCREATE TABLE b (id INT);\n")
        .expect("up");
    let out = p.fails(&["up"], 2);
    assert!(out.contains("changed after `strata.sum` recorded it"), "{out}");
    p.ok(&["hash"]);
    let out = p.ok(&["up"]);
    assert!(out.contains("the database is at 20260101000000_half (head)"), "{out}");
    let n: i64 =
        rt.block_on(sqlx::query_scalar("SELECT COUNT(*) FROM a").fetch_one(&mut conn)).expect("counts");
    assert_eq!(n, 1);
    p.ok(&["status"]);

    // A down that stops at its second statement; undone by hand, then marked.
    std::fs::write(
        dir.join("20260101000000_half.down.sql"),
        "DROP TABLE b;\nDROP TABLE nope;\nDROP TABLE c;\nDROP TABLE a;\n",
    )
    .expect("down");
    let out = p.fails(&["down"], 2);
    assert!(
        out.contains("reverting migration 20260101000000_half failed at statement 2 of 4 of its down file"),
        "{out}"
    );
    assert!(out.contains("--> migrations/20260101000000_half.down.sql:2:1"), "{out}");
    let out = p.fails(&["up"], 2);
    assert!(out.contains("reverting migration 20260101000000_half stopped partway"), "{out}");
    let out = p.fails(&["mark", "20260101000000"], 2);
    assert!(out.contains("`--done`, `--undone` or `--through N`"), "{out}");
    rt.block_on(sqlx::raw_sql("DROP TABLE c; DROP TABLE a").execute(&mut conn)).expect("by hand");
    let out = p.ok(&["mark", "20260101000000", "--undone"]);
    assert!(out.contains("recorded 20260101000000_half as not applied (no SQL was run)"), "{out}");
    assert!(p.ok(&["status"]).contains("1 pending"));

    // Once more, said in JSON.
    p.ok(&["up"]);
    p.fails(&["down"], 2);
    rt.block_on(sqlx::raw_sql("DROP TABLE c; DROP TABLE a").execute(&mut conn)).expect("by hand");
    let json: serde_json::Value =
        serde_json::from_str(&p.ok(&["mark", "20260101000000", "--undone", "--json"])).expect("JSON");
    assert_eq!(json["version"], 1, "{json}");
    assert_eq!(json["migration"]["name"], "20260101000000_half", "{json}");
    assert_eq!(json["mark"], "undone", "{json}");
    assert_eq!(json["at"], serde_json::Value::Null, "{json}");
}

/// `strata.sum` is read by every command that runs migrations, `generate` never records an edit
/// on its own (`strata hash` does, when asked), a migration written by `generate --empty` is
/// filled in with no more ceremony, and `repair` records an applied migration's new checksum
/// only when the edit changed nothing it does.
#[test]
fn the_integrity_file_is_enforced_and_recorded_only_when_asked() {
    let p = Project::new("integrity", db::sqlite_url("cli_integrity"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    p.ok(&["generate", "--empty", "-m", "backfill"]);
    let sum = || std::fs::read_to_string(p.root.join("migrations/strata.sum")).expect("strata.sum");
    assert!(sum().lines().any(|l| l.ends_with(" open backfill")), "{}", sum());
    // Filled in: nothing more to do.
    let [users, backfill] = <[String; 2]>::try_from(history(&p)).expect("two migrations");
    let backfill_up = p.root.join(format!("migrations/{backfill}.up.sql"));
    std::fs::write(&backfill_up, "INSERT INTO users (email) VALUES ('a@example.com');\n").expect("fills in");
    p.ok(&["check"]);
    p.ok(&["up"]);

    // An applied migration edited: every database command and `generate` stop, naming it.
    let users_up = p.root.join(format!("migrations/{users}.up.sql"));
    let original = std::fs::read_to_string(&users_up).expect("reads");
    std::fs::write(&users_up, format!("{original}CREATE TABLE extra (id INTEGER);\n")).expect("edits");
    let before = sum();
    for command in [&["up"][..], &["status"], &["down"], &["current"], &["sql"]] {
        let out = p.fails(command, 2);
        assert!(
            out.contains("the migrations do not match `strata.sum`, so nothing was run: 1 problem"),
            "{out}"
        );
        assert!(
            out.contains(&format!("migration `{users}` changed after `strata.sum` recorded it")),
            "{out}"
        );
        assert!(out.contains("--> migrations/strata.sum"), "{out}");
    }
    let out = p.fails(&["generate", "-m", "more"], 2);
    assert!(out.contains("so nothing was written"), "{out}");
    assert_eq!(sum(), before, "generate recorded nothing");

    // Recorded when asked; the database still refuses the edited file, and `repair` will not
    // record a checksum for an edit that changed what the migration does.
    let out = p.ok(&["hash"]);
    assert!(out.contains(&format!("recorded: {users} again (it changed since it was recorded)")), "{out}");
    assert!(out.contains(&format!("recorded: {backfill} (it was open, to be filled in)")), "{out}");
    assert!(p.ok(&["hash"]).contains("nothing changed"));
    let out = p.fails(&["up"], 2);
    assert!(out.contains(&format!("migration {users} was changed after it was applied")), "{out}");
    let out = p.fails(&["repair"], 1);
    assert!(out.contains("so the checksums of") && out.contains("table `extra`"), "{out}");

    // An edit of line endings only: strata accepts it, sqlx would not; `repair` records the
    // file's exact bytes, once.
    std::fs::write(&users_up, original.replace('\n', "\r\n")).expect("CRLF");
    p.ok(&["hash"]);
    p.ok(&["status"]);
    let out = p.ok(&["repair"]);
    assert!(out.contains(&format!("repaired  {users}")), "{out}");
    assert!(p.ok(&["repair"]).contains("nothing to repair"));
}

#[test]
fn generate_writes_in_the_goose_and_dbmate_layouts_a_directory_uses() {
    for (tool, up, down) in
        [("goose", "-- +goose Up", "-- +goose Down"), ("dbmate", "-- migrate:up", "-- migrate:down")]
    {
        let p = Project::new(&format!("layout_{tool}"), db::sqlite_url(&format!("layout_{tool}")));
        p.ok(&["init", "--dialect", "sqlite"]);
        std::fs::write(
            p.root.join("migrations/20260101000000_users.sql"),
            format!("{up}\nCREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(255) NOT NULL UNIQUE);\n\n{down}\nDROP TABLE users;\n"),
        )
        .expect("writes");
        p.ok(&["hash"]);
        p.models(USERS);
        assert!(p.ok(&["check"]).starts_with("ok: the models match the 1 migration(s)"), "{tool}");
        p.models(&USERS.replace("pub email: String,", "pub email: String,\n    pub name: Option<String>,"));
        p.ok(&["generate", "-m", "name"]);
        let written =
            p.files(".sql").into_iter().find(|f| f.to_string_lossy().contains("_name")).expect("written");
        assert!(written.to_string_lossy().ends_with("_name.sql"), "{}", written.display());
        let text = std::fs::read_to_string(&written).expect("reads");
        assert!(
            text.starts_with(&format!("{up}\nALTER TABLE users ADD COLUMN name TEXT;")),
            "{tool}:\n{text}"
        );
        assert!(text.contains(&format!("{down}\nALTER TABLE users DROP COLUMN name;")), "{tool}:\n{text}");
        // Read back as the directory's own, both ways: the models match and the down is proven.
        assert!(p.ok(&["check"]).starts_with("ok: the models match the 2 migration(s)"), "{tool}");
        p.ok(&["up"]);
        p.ok(&["down", "base"]);
    }
}

#[test]
fn generate_writes_prisma_folders_in_a_prisma_directory() {
    let p = Project::new("layout_prisma", db::sqlite_url("layout_prisma"));
    p.ok(&["init", "--dialect", "sqlite"]);
    let init = p.root.join("migrations/20260101000000_init");
    std::fs::create_dir_all(&init).expect("a folder");
    std::fs::write(
        init.join("migration.sql"),
        "-- CreateTable\nCREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(255) NOT NULL UNIQUE);\n",
    )
    .expect("writes");
    std::fs::write(p.root.join("migrations/migration_lock.toml"), "provider = \"sqlite\"\n").expect("writes");
    p.ok(&["hash"]);
    p.models(&USERS.replace("pub email: String,", "pub email: String,\n    pub name: Option<String>,"));
    let out = p.strata(&["generate", "-m", "name"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("have no down, so none is written"), "{}", text(&out));
    let folder = p.files("_name").pop().expect("a folder");
    let sql = std::fs::read_to_string(folder.join("migration.sql")).expect("migration.sql");
    assert!(sql.contains("ALTER TABLE users ADD COLUMN name TEXT;"), "{sql}");
    assert!(p.ok(&["check"]).starts_with("ok: the models match the 2 migration(s)"));
    p.ok(&["up"]);
}

#[test]
fn a_directory_no_model_belongs_to_is_not_said_to_match() {
    let p = Project::new("second_dir", db::sqlite_url("second_dir"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    // A second directory, for another database: the models belong to `migrations/`.
    p.ok(&["init", "--dir", "db/postgres", "--dialect", "postgres"]);
    for args in [&["--dir", "db/postgres", "check"][..], &["--dir", "db/postgres", "generate"][..]] {
        let out = p.fails(args, 1);
        assert!(
            out.contains("error: no model describes a table for `db/postgres`, and its migrations make none"),
            "{out}"
        );
        assert!(out.contains("migrations = \"db/postgres\""), "{out}");
    }
    assert!(p.files(".sql").iter().all(|f| !f.starts_with(p.root.join("db"))));
}

#[test]
fn history_in_detail_and_as_json() {
    let p = Project::new("history_v", db::sqlite_url("history_v"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    p.ok(&["generate", "--empty", "-m", "note"]);
    let up = p.files(".up.sql").into_iter().find(|f| f.to_string_lossy().contains("_note")).expect("up");
    std::fs::write(&up, "-- no-transaction\nSELECT 1;\n").expect("writes");
    let down = up.with_file_name(up.file_name().expect("name").to_string_lossy().replace(".up.", ".down."));
    std::fs::write(&down, "-- strata:irreversible nothing to undo\n").expect("writes");
    p.ok(&["hash"]);
    let out = p.ok(&["history", "-v"]);
    assert!(out.contains("_users\n    description: users\n    up: runs in a transaction\n    down: runs in a transaction\n    checksum: "), "{out}");
    assert!(out.contains("_note (head, irreversible, up: no-transaction)\n    description: note\n    up: runs outside a transaction\n    down: marked irreversible"), "{out}");
    let json: serde_json::Value = serde_json::from_str(&p.ok(&["history", "--json"])).expect("JSON");
    let all = json["migrations"].as_array().expect("migrations");
    assert_eq!(all.len(), 2);
    assert_eq!((all[0]["reversible"].as_bool(), all[1]["reversible"].as_bool()), (Some(true), Some(false)));
    assert_eq!(all[1]["up_in_transaction"], false);
    assert_eq!(all[1]["head"], true);
    assert_eq!(all[0]["checksum"].as_str().map(str::len), Some(96), "{json}");
}

#[test]
fn completions_know_every_command() {
    let p = Project::new("completions", db::sqlite_url("completions"));
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = p.ok(&["completions", shell]);
        for word in ["generate", "lint", "heads", "stamp", "since", "database-url"] {
            assert!(out.contains(word), "{shell}: no `{word}`");
        }
    }
    assert!(p.fails(&["completions", "tcsh"], 2).contains("invalid value 'tcsh'"));
}

#[test]
fn generate_writes_flyway_scripts_in_a_flyway_directory() {
    let p = Project::new("layout_flyway", db::sqlite_url("layout_flyway"));
    p.ok(&["init", "--dialect", "sqlite"]);
    let dir = p.root.join("migrations");
    std::fs::write(
        dir.join("V1__users.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(255) NOT NULL UNIQUE);\n",
    )
    .expect("writes");
    std::fs::write(dir.join("U1__users.sql"), "DROP TABLE users;\n").expect("writes");
    p.ok(&["hash"]);
    p.models(&USERS.replace("pub email: String,", "pub email: String,\n    pub name: Option<String>,"));
    p.ok(&["generate", "-m", "name"]);
    // Numbered 1, 2...: the next number, not a timestamp.
    let names: Vec<String> = p
        .files("__name.sql")
        .iter()
        .filter_map(|f| Some(f.file_name()?.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(names, ["U2__name.sql", "V2__name.sql"]);
    assert!(p.ok(&["check"]).starts_with("ok: the models match the 2 migration(s)"));
    p.ok(&["up"]);
    p.ok(&["down", "base"]);
    assert!(p.ok(&["history"]).contains("1_users"));
}

/// A database golang-migrate brought to the first migration: `up` refuses it and says why,
/// `adopt` proves and records it (as text and as JSON), and `up` carries on.
#[test]
fn adopt_takes_over_another_tools_history() {
    let p = Project::new("adopt", db::sqlite_url("adopt"));
    let [users, posts] = users_then_posts(&p);
    let (version, _) = users.split_once('_').expect("a name");

    // golang-migrate's run of the first migration: its SQL, its table, its row.
    let up = std::fs::read_to_string(
        p.files(".sql")
            .into_iter()
            .find(|f| f.to_string_lossy().contains(&format!("{users}.up")))
            .expect("the users up file"),
    )
    .expect("reads");
    let sql = format!(
        "{up};\nCREATE TABLE schema_migrations (version uint64, dirty bool);\nCREATE UNIQUE INDEX version_unique ON schema_migrations (version);\nINSERT INTO schema_migrations VALUES ({version}, 0);"
    );
    tokio::runtime::Runtime::new().expect("a runtime").block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&p.url).await.expect("opens");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.expect("golang-migrate's run");
    });

    let out = p.fails(&["up"], 2);
    assert!(out.contains("this database was migrated by golang-migrate (its history is in `schema_migrations`) and strata's history is empty"), "{out}");
    assert!(out.contains("`strata adopt`"), "{out}");
    assert_eq!(p.ok(&["current"]).trim(), "base (no migration applied)", "nothing ran");
    let out = p.fails(&["adopt", "--from", "goose"], 2);
    assert!(out.contains("this database has no goose history"), "{out}");

    let out = p.ok(&["adopt"]);
    assert!(out.contains(&format!("recorded  {users}")), "{out}");
    assert!(
        out.contains(&format!("adopted golang-migrate's history (`schema_migrations`, left as it is): the database is recorded at {users}")),
        "{out}"
    );
    let out = p.fails(&["adopt", "--json"], 2);
    assert!(out.contains("already records migrations"), "{out}");
    p.ok(&["up"]);
    assert_eq!(p.ok(&["current"]).trim(), format!("{posts} (head)"));
    // golang-migrate's table stays, and is not drift.
    p.ok(&["verify"]);

    // A database that is not what golang-migrate recorded is not adopted.
    let q = Project::new("adopt_differs", db::sqlite_url("adopt_differs"));
    std::fs::create_dir_all(q.root.join("migrations")).expect("a directory");
    for f in p.files("") {
        std::fs::copy(&f, q.root.join("migrations").join(f.file_name().expect("a name"))).expect("copies");
    }
    q.models(&format!("{USERS}{POSTS}"));
    tokio::runtime::Runtime::new().expect("a runtime").block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&q.url).await.expect("opens");
        let sql = format!("CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null); INSERT INTO schema_migrations VALUES ({version}, false);");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.expect("a history with no schema");
    });
    let out = q.fails(&["adopt"], 1);
    assert!(
        out.contains(&format!(
            "the database does not hold what the migrations make at {users}, where golang-migrate records it"
        )),
        "{out}"
    );
    assert!(out.contains("table `users` is not in the database"), "{out}");
    assert!(out.contains("`adopt --force` records it anyway"), "{out}");
    let json: serde_json::Value = serde_json::from_str(&q.ok(&["adopt", "--force", "--json"])).expect("JSON");
    assert_eq!(json["tool"], "golang-migrate", "{json}");
    assert_eq!(json["recorded"][0]["name"], users.as_str(), "{json}");
    assert_eq!(json["differences"].as_array().map(Vec::len), Some(1), "{json}");
}

/// Versioned folders (temporal's): `generate` writes the next version's folder with its
/// manifest, `check` reads it back, `up` applies each listed file in order, and `renumber`
/// says what to do rather than pick a release number.
#[test]
fn generate_writes_a_versioned_folder_in_a_versioned_directory() {
    let p = Project::new("layout_versioned", db::sqlite_url("layout_versioned"));
    p.ok(&["init", "--dialect", "sqlite"]);
    let dir = p.root.join("migrations");
    let v = dir.join("v1.9");
    std::fs::create_dir_all(&v).expect("a folder");
    std::fs::write(
        v.join("users.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(255) NOT NULL UNIQUE);\n",
    )
    .expect("writes");
    std::fs::write(v.join("email.sql"), "UPDATE users SET email = lower(email);\n").expect("writes");
    std::fs::write(
        v.join("manifest.json"),
        r#"{"CurrVersion": "1.9", "MinCompatibleVersion": "1.0", "Description": "users", "SchemaUpdateCqlFiles": ["users.sql", "email.sql"]}"#,
    )
    .expect("writes");
    p.ok(&["hash"]);
    assert_eq!(history(&p), ["1.9_users", "1.9.1_email"]);
    p.models(&USERS.replace("pub email: String,", "pub email: String,\n    pub name: Option<String>,"));
    p.ok(&["generate", "-m", "name"]);
    // After v1.9 comes v1.10, ordered as a number.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("v1.10/manifest.json")).expect("a manifest"))
            .expect("JSON");
    assert_eq!(manifest["CurrVersion"], "1.10", "{manifest}");
    assert_eq!(manifest["SchemaUpdateCqlFiles"], serde_json::json!(["name.sql"]), "{manifest}");
    assert_eq!(
        std::fs::read_to_string(dir.join("v1.10/name.sql")).expect("the SQL"),
        "ALTER TABLE users ADD COLUMN name TEXT;\n"
    );
    assert_eq!(history(&p), ["1.9_users", "1.9.1_email", "1.10_name"]);
    assert!(p.ok(&["check"]).starts_with("ok: the models match the 3 migration(s)"));
    p.ok(&["up"]);
    assert_eq!(p.ok(&["current"]).trim(), "1.10_name (head)");
}

/// `versions = "names"` (maragudk/migrate's layout): names sharing a number are read in text
/// order, `check` says which down file never runs, `generate` writes the next number, and `up`
/// applies them in that order.
#[test]
fn named_versions_are_read_checked_and_generated() {
    let p = Project::new("layout_named", db::sqlite_url("layout_named"));
    p.ok(&["init", "--dialect", "sqlite"]);
    let dir = p.root.join("migrations");
    std::fs::write(dir.join("strata.toml"), "dialect = \"sqlite\"\nversions = \"names\"\n").expect("writes");
    std::fs::write(
        dir.join("0001_create_users.up.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(255) NOT NULL UNIQUE);\n",
    )
    .expect("writes");
    std::fs::write(dir.join("0001_create_users.down.sql"), "DROP TABLE users;\n").expect("writes");
    std::fs::write(dir.join("0001_lower_emails_up.sql"), "UPDATE users SET email = lower(email);\n")
        .expect("writes");
    std::fs::write(dir.join("0002_typo.down.sql"), "DROP TABLE nothing;\n").expect("writes");
    p.ok(&["hash"]);
    assert_eq!(history(&p), ["0001_create_users", "0001.1_lower_emails"]);
    p.models(USERS);
    let out = p.ok(&["check"]);
    assert!(
        out.contains(
            "`migrations/0002_typo.down.sql` is a down file without an up of the same name, so it never runs"
        ),
        "{out}"
    );
    p.models(&USERS.replace("pub email: String,", "pub email: String,\n    pub name: Option<String>,"));
    p.ok(&["generate", "-m", "name"]);
    assert_eq!(history(&p), ["0001_create_users", "0001.1_lower_emails", "0002_name"]);
    assert!(dir.join("0002_name.up.sql").exists() && dir.join("0002_name.down.sql").exists());
    p.ok(&["up"]);
    assert_eq!(p.ok(&["current"]).trim(), "0002_name (head)");
    // Going down stops at the one with no down file.
    let out = p.fails(&["down", "base"], 2);
    assert!(out.contains("reverted 0002_name"), "{out}");
    assert!(out.contains("migration 0001.1_lower_emails has no down SQL, so it cannot be reverted"), "{out}");
}

/// Every command that reports what it did says it in JSON when asked (`--json`, `"version": 1`),
/// and nothing else on standard output.
#[test]
fn every_command_speaks_json() {
    let p = Project::new("json", db::sqlite_url("json"));
    let json = |args: &[&str]| -> serde_json::Value {
        let out = p.ok(args);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("`strata {}`: {e}:\n{out}", args.join(" ")));
        assert_eq!(v["version"], 1, "{v}");
        v
    };
    let v = json(&["init", "--dialect", "sqlite", "--json"]);
    assert_eq!((v["dialect"].as_str(), v["existing"].as_u64()), (Some("sqlite"), Some(0)), "{v}");
    p.models(USERS);
    let v = json(&["generate", "-m", "users", "--json"]);
    assert_eq!(v["written"].as_array().map(Vec::len), Some(2), "{v}");
    assert!(v["changes"][0].as_str().is_some_and(|c| c.contains("table users")), "{v}");
    let v = json(&["generate", "--json"]);
    assert_eq!(
        (v["written"].as_array().map(Vec::len), v["changes"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
    let name = history(&p).remove(0);
    assert_eq!(json(&["hash", "--json"])["recorded"], serde_json::json!([]));
    assert_eq!(json(&["renumber", "--json"])["renamed"], serde_json::json!([]));

    assert_eq!(json(&["check", "--json"])["ok"], true);
    assert_eq!(json(&["lint", "--json"])["ok"], true);
    assert_eq!(json(&["history", "--json"])["migrations"][0]["name"], name.as_str());
    assert_eq!(json(&["heads", "--json"])["heads"][0], name.as_str());
    assert_eq!(json(&["status", "--json"])["pending"], 1);
    let v = json(&["up", "--json"]);
    assert_eq!(v["applied"][0]["name"], name.as_str(), "{v}");
    assert_eq!(
        (v["at"]["name"].as_str(), v["at"]["head"].as_bool()),
        (Some(name.as_str()), Some(true)),
        "{v}"
    );
    let v = json(&["current", "--json"]);
    assert_eq!((v["at"]["name"].as_str(), v["half_done"].is_null()), (Some(name.as_str()), true), "{v}");
    let v = json(&["verify", "--json"]);
    assert_eq!(v["clean"], true, "{v}");
    assert_eq!(json(&["repair", "--json"])["repaired"], serde_json::json!([]));
    let v = json(&["stamp", "base", "--force", "--json"]);
    assert_eq!((v["forgotten"][0]["name"].as_str(), v["at"].is_null()), (Some(name.as_str()), true), "{v}");
    let v = json(&["stamp", "head", "--json"]);
    assert_eq!(v["recorded"][0]["name"], name.as_str(), "{v}");
    let v = json(&["down", "--json"]);
    assert_eq!((v["reverted"][0]["name"].as_str(), v["at"].is_null()), (Some(name.as_str()), true), "{v}");
    // A finding is JSON too, with the exit code of one.
    let out = p.strata(&["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["pending"][0], name.as_str(), "{v}");
}

#[test]
fn squash_replaces_the_migrations_up_to_a_version() {
    let p = Project::new("squash", db::sqlite_url("squash"));
    let [users, posts] = users_then_posts(&p);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    p.models(&format!("{USERS}{POSTS}{TAGS}"));
    p.ok(&["generate", "-m", "tags"]);
    let tags = history(&p).pop().expect("three");
    p.ok(&["up", posts.as_str()]);

    let out = p.ok(&["squash", "--to", &posts]);
    let (version, _) = posts.split_once('_').expect("a name");
    assert!(
        out.starts_with(&format!(
            "squashed 2 migrations ({users} to {posts}) into {version}_squashed: 2 tables\n"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("created migrations/{version}_squashed.up.sql")), "{out}");
    assert!(out.contains("databases that applied the 2 count the squash as applied"), "{out}");
    assert_eq!(history(&p), [format!("{version}_squashed"), tags.clone()]);
    let up =
        std::fs::read_to_string(p.root.join(format!("migrations/{version}_squashed.up.sql"))).expect("up");
    assert!(up.contains(&format!("-- strata:replaces {version} ")), "{up}");
    assert!(up.contains("CREATE TABLE users"), "{up}");
    // The models still match; the database that ran the two counts the squash as applied.
    assert!(p.ok(&["check"]).starts_with("ok: the models match the 2 migration(s)"));
    let status = p.ok(&["status"]);
    assert!(status.contains("as the 2 migrations it squashes"), "{status}");
    assert!(p.ok(&["up"]).contains(&tags), "only the tags migration runs");
    p.ok(&["down", "base"]);
    assert_eq!(p.ok(&["current"]).trim(), "base (no migration applied)");
    p.ok(&["up"]);

    // A squashed version is no target any more.
    let out = p.fails(&["down", &users], 2);
    assert!(out.contains(&format!("migration `{users}` is squashed into {version}_squashed")), "{out}");

    // A history that inserts rows: refused, naming them, and nothing is written.
    let q = Project::new("squash_rows", db::sqlite_url("squash_rows"));
    let [_, posts] = users_then_posts(&q);
    let posts_up =
        q.files(".up.sql").into_iter().find(|f| f.to_string_lossy().contains("_posts")).expect("up");
    let mut sql = std::fs::read_to_string(&posts_up).expect("reads");
    sql.push_str("INSERT INTO users (email) VALUES ('admin@example.com');\n");
    std::fs::write(&posts_up, sql).expect("writes");
    q.ok(&["hash"]);
    let before = q.files("");
    let out = q.fails(&["squash", "--to", &posts], 1);
    assert!(
        out.contains("1 statement of the squashed migrations does something the schema does not show"),
        "{out}"
    );
    assert!(out.contains(&format!("{}:", posts_up.file_name().expect("a name").to_string_lossy())), "{out}");
    assert!(out.contains("INSERT INTO USERS EMAIL"), "{out}");
    assert!(out.contains("`--carry` runs them in the squash"), "{out}");
    assert_eq!(q.files(""), before, "nothing was written");
    // Left out, as asked, and said in JSON.
    let out = q.ok(&["squash", "--to", &posts, "--leave-out", "--json", "-m", "initial"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["version"], 1);
    assert_eq!(v["replaces"].as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(v["left_out"][0]["statement"], "INSERT INTO USERS EMAIL", "{v}");
    assert!(v["squash"].as_str().is_some_and(|s| s.ends_with("_initial")), "{v}");
    assert!(q.ok(&["check"]).starts_with("ok: the models match the 1 migration(s)"));
    q.ok(&["up"]);
    q.ok(&["down", "base"]);

    // goose's layout: one file with both directions.
    let g = Project::new("squash_goose", db::sqlite_url("squash_goose"));
    g.ok(&["init", "--dialect", "sqlite"]);
    std::fs::write(
        g.root.join("migrations/20260101000000_users.sql"),
        "-- +goose Up\nCREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(255) NOT NULL UNIQUE);\n\n-- +goose Down\nDROP TABLE users;\n",
    )
    .expect("writes");
    std::fs::write(
        g.root.join("migrations/20260102000000_name.sql"),
        "-- +goose Up\nALTER TABLE users ADD COLUMN name TEXT;\n\n-- +goose Down\nALTER TABLE users DROP COLUMN name;\n",
    )
    .expect("writes");
    g.ok(&["hash"]);
    g.ok(&["up"]);
    g.ok(&["squash", "--to", "20260102000000"]);
    let text =
        std::fs::read_to_string(g.root.join("migrations/20260102000000_squashed.sql")).expect("written");
    assert!(text.starts_with("-- +goose Up\n-- strata: the squash of 2 migrations"), "{text}");
    assert!(text.contains("-- +goose Down\nDROP TABLE"), "{text}");
    assert_eq!(g.files(".sql").len(), 1, "the two files are gone");
    let status = g.ok(&["status"]);
    assert!(
        status.contains("as the 2 migrations it squashes") && status.contains("nothing pending"),
        "{status}"
    );
    g.ok(&["down", "base"]);
    g.ok(&["up"]);
}

#[test]
fn a_data_migration_in_rust_is_written_checked_and_left_to_the_application() {
    let p = Project::new("rust_step", db::sqlite_url("rust_step"));
    p.ok(&["init", "--dialect", "sqlite"]);
    p.models(USERS);
    p.ok(&["generate", "-m", "users"]);
    let out = p.fails(&["generate", "--rust", "crate::data::not a path"], 2);
    assert!(out.contains("is not a Rust path"), "{out}");
    let out = p.ok(&["generate", "--rust", "crate::data::backfill_emails", "-m", "backfill emails"]);
    let up = p.files("_backfill_emails.up.sql").pop().expect("written");
    assert!(
        out.contains(&format!("created migrations/{}", up.file_name().expect("a name").to_string_lossy())),
        "{out}"
    );
    let text = std::fs::read_to_string(&up).expect("reads");
    assert!(text.contains("\n-- strata:rust crate::data::backfill_emails\n"), "{text}");
    // The replay takes it for a step that changes no table.
    assert!(p.ok(&["check"]).starts_with("ok: the models match the 2 migration(s)"));
    // The `strata` command carries no function: it refuses to run it, or to script it.
    let out = p.fails(&["up"], 2);
    assert!(out.contains("runs Rust code (`crate::data::backfill_emails`, line 6 of its up), which this binary does not carry"), "{out}");
    assert!(out.contains("nothing was run"), "{out}");
    assert_eq!(p.ok(&["current"]).trim(), "base (no migration applied)");
    let out = p.fails(&["sql"], 2);
    assert!(out.contains("which a SQL script cannot hold"), "{out}");
    let first = history(&p).remove(0);
    assert!(p.ok(&["sql", &first]).contains("CREATE TABLE users"), "the script up to the one before it");
    // Two functions in one file: refused at the second line.
    std::fs::write(&up, format!("{text}-- strata:rust crate::data::again\n")).expect("writes");
    let out = p.fails(&["hash"], 2);
    assert!(
        out.contains("_backfill_emails.up.sql:8: a second `-- strata:rust` line (the first is line 6)"),
        "{out}"
    );
}

#[test]
fn one_model_set_for_two_databases() {
    let p = Project::new("also", db::sqlite_url("also"));
    p.ok(&["init", "--dialect", "postgres"]);
    p.ok(&["--dir", "migrations_sqlite", "init", "--dialect", "sqlite"]);
    let config = p.root.join("migrations/strata.toml");
    let text = std::fs::read_to_string(&config).expect("reads");
    std::fs::write(&config, format!("{text}also = [\"../migrations_sqlite\"]\n")).expect("writes");
    p.models(USERS);
    // Neither directory has the table yet: neither is said to match.
    let out = p.fails(&["check"], 1);
    assert_eq!(out.matches("table `users` is not created by any migration").count(), 2, "{out}");
    assert!(out.contains("found 1 problem in `migrations_sqlite`"), "{out}");

    // One generate writes into both, each in its own SQL.
    let out = p.ok(&["generate", "-m", "users"]);
    assert_eq!(out.matches("created migrations/").count(), 2, "{out}");
    assert_eq!(out.matches("created migrations_sqlite/").count(), 2, "{out}");
    let read = |dir: &str| -> String {
        let f = std::fs::read_dir(p.root.join(dir))
            .expect("a directory")
            .flatten()
            .map(|e| e.path())
            .find(|f| f.to_string_lossy().ends_with("_users.up.sql"))
            .expect("written");
        std::fs::read_to_string(f).expect("reads")
    };
    assert!(read("migrations").contains("GENERATED BY DEFAULT AS IDENTITY"), "{}", read("migrations"));
    assert!(read("migrations_sqlite").contains("AUTOINCREMENT"), "{}", read("migrations_sqlite"));
    let out = p.ok(&["check"]);
    assert!(out.contains("ok: the models match the 1 migration(s) in `migrations`"), "{out}");
    assert!(out.contains("ok: the models match the 1 migration(s) in `migrations_sqlite`"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&p.ok(&["check", "--json"])).expect("JSON");
    assert_eq!(
        (v["ok"].as_bool(), v["also"][0]["dir"].as_str()),
        (Some(true), Some("migrations_sqlite")),
        "{v}"
    );
    let v: serde_json::Value = serde_json::from_str(&p.ok(&["generate", "--json"])).expect("one JSON object");
    assert_eq!(v["also"][0]["dir"], "migrations_sqlite", "{v}");
    assert_eq!(
        (v["written"].as_array().map(Vec::len), v["also"][0]["written"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
    // Checked from the second directory, the models are the first's.
    assert!(
        p.ok(&["--dir", "migrations_sqlite", "check"]).starts_with("ok: the models match the 1 migration(s)")
    );
    p.ok(&["--dir", "migrations_sqlite", "up"]);
    p.compile().expect("the models match both directories");

    // A change written into the first directory only does not compile, at the field, naming
    // the second.
    p.models(&USERS.replace("pub email: String,", "pub email: String,\n    pub name: Option<String>,"));
    p.ok(&["generate", "-m", "name"]);
    for f in std::fs::read_dir(p.root.join("migrations_sqlite")).expect("a directory").flatten() {
        if f.file_name().to_string_lossy().contains("_name.") {
            std::fs::remove_file(f.path()).expect("removes");
        }
    }
    p.ok(&["--dir", "migrations_sqlite", "hash"]);
    let err = p.compile().expect_err("the second directory lacks the column");
    assert!(err.contains("column `users.name` is not created by any migration"), "{err}");
    assert!(err.contains("checked against `migrations_sqlite/`"), "{err}");
    let out = p.fails(&["check"], 1);
    assert!(out.contains("ok: the models match the 2 migration(s) in `migrations`"), "{out}");
    assert!(out.contains("found 1 problem in `migrations_sqlite`"), "{out}");
}

#[test]
fn an_older_release_reverts_what_a_newer_one_applied() {
    let p = Project::new("stored_downs", db::sqlite_url("stored_downs"));
    let [_, posts] = users_then_posts(&p);
    p.ok(&["up"]);
    // The release before: the posts migration is not among its files.
    for f in p.files("") {
        if f.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&posts)) {
            std::fs::remove_file(f).expect("removes");
        }
    }
    p.ok(&["hash"]);
    let status = p.strata(&["status"]);
    let out = text(&status);
    assert!(
        out.contains(&format!(
            "NEWER    {posts} (applied by a newer release; its down SQL is stored, so `down` reverts it)"
        )),
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_str(&p.ok(&["status", "--json"])).expect("JSON");
    assert_eq!(v["unknown"][0]["down_stored"], true, "{v}");
    let down = p.strata(&["down"]);
    assert!(down.status.success());
    let out = text(&down);
    assert!(
        out.contains(&format!("note: {posts} is not among these migrations (a newer release applied it): reverting it with the down SQL stored when it was applied")),
        "{out}"
    );
    assert!(out.contains(&format!("reverted {posts}")), "{out}");
    assert!(p.ok(&["status"]).contains("nothing pending"));
    p.models(USERS);
    assert!(
        p.ok(&["verify"]).contains("matches"),
        "the database is what the older release's migrations make"
    );
}

/// `strata up` on a table another session holds: each wait is said as it happens, naming the
/// session; when every try gives up, the error says so and what to do, and the exit code is 2 (a migration failed).
#[test]
fn up_says_who_holds_the_lock_it_waits_for() {
    use sqlx::Executor;
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let Some(mut holder) = rt.block_on(db::postgres("cli_lock_wait")) else { return };
    let url = db::server_url(db::POSTGRES_URL, "cli_lock_wait").expect("a URL");
    let p = Project::new("lock_wait", url);
    p.ok(&["init", "--dialect", "postgres"]);
    std::fs::write(p.root.join("migrations/1_notes.up.sql"), "CREATE TABLE notes (id INT PRIMARY KEY);\n")
        .expect("writes");
    std::fs::write(
        p.root.join("migrations/2_extra.up.sql"),
        "-- strata:lock_timeout 200ms\n-- strata:lock_retries 1\nALTER TABLE notes ADD COLUMN extra INT;\n",
    )
    .expect("writes");
    p.ok(&["hash"]);
    p.ok(&["up", "1"]);
    rt.block_on(holder.execute("BEGIN; SELECT count(*) FROM notes")).expect("holds the table");
    let out = p.fails(&["up"], 2);
    assert!(
        out.contains("waiting: 2_extra gave up waiting 200 ms for a lock, held by session ")
            && out.contains("holding AccessShareLock on notes; try 2 of 2 in 1.0 s"),
        "{out}"
    );
    assert!(out.contains("it gave up waiting 200 ms for a lock on each of 2 tries"), "{out}");
    assert!(out.contains("= help: run `strata up` again when the session holding the lock is done"), "{out}");
    rt.block_on(holder.execute("ROLLBACK")).expect("lets go");
    assert!(p.ok(&["up"]).contains("applied  2_extra"));
}

/// `strata fleet`: the targets of a file, then of a query on a control database; a line a
/// target, the summary, the failures again, exit 2 while one fails, a run again migrating only
/// what is left, status across them, JSON.
#[test]
fn fleet_migrates_every_target_of_a_list() {
    let p = Project::new("fleet", db::sqlite_url("fleet_unused"));
    p.ok(&["init", "--dialect", "sqlite"]);
    std::fs::write(p.root.join("migrations/1_a.up.sql"), "CREATE TABLE a (id INT PRIMARY KEY);\n")
        .expect("writes");
    std::fs::write(p.root.join("migrations/2_b.up.sql"), "CREATE TABLE b (id INT PRIMARY KEY);\n")
        .expect("writes");
    std::fs::write(p.root.join("migrations/2_b.down.sql"), "DROP TABLE b;\n").expect("writes");
    p.ok(&["hash"]);
    let urls: Vec<String> =
        (0..6).map(|i| format!("sqlite://{}", p.root.join(format!("tenant_{i}.db")).display())).collect();
    // One target is a file that is not a database.
    std::fs::write(p.root.join("tenant_4.db"), "not a database\n".repeat(40)).expect("writes");
    std::fs::write(p.root.join("targets.txt"), format!("# the tenants\n{}\n\n", urls.join("\n")))
        .expect("writes");
    let out = p.fails(&["fleet", "up", "--targets", "targets.txt", "--jobs", "3"], 2);
    for (i, url) in urls.iter().enumerate() {
        let line = if i == 4 {
            format!("failed   {url}: cannot read or write the migration history")
        } else {
            format!("applied  {url}: 2 migration(s) in ")
        };
        assert!(out.contains(&line), "{line}\n{out}");
    }
    assert!(out.contains("6 target(s): 5 migrated, 0 already at head, 1 failed"), "{out}");
    assert!(out.contains(&format!("failed:\n  {}: cannot read or write", urls[4])), "{out}");
    assert!(out.contains("error: 1 of 6 target(s) failed"), "{out}");
    assert!(out.contains("= help: run the same command again once the failures are fixed"), "{out}");
    std::fs::remove_file(p.root.join("tenant_4.db")).expect("removes");
    let out = p.ok(&["fleet", "up", "--targets", "targets.txt"]);
    assert!(out.contains(&format!("at head  {}: nothing to apply, at 2_b (head)", urls[0])), "{out}");
    assert!(out.contains("6 target(s): 1 migrated, 5 already at head, 0 failed"), "{out}");
    // The same targets, from a query on a control database.
    let control = p.root.join("control.db");
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", control.display()))
            .await
            .expect("opens");
        sqlx::raw_sql("CREATE TABLE tenants (url TEXT NOT NULL)").execute(&mut c).await.expect("a table");
        for u in &urls {
            sqlx::query("INSERT INTO tenants VALUES (?)").bind(u).execute(&mut c).await.expect("a row");
        }
    });
    let control_url = format!("sqlite://{}", control.display());
    let out =
        p.ok(&["fleet", "status", "--targets-query", "SELECT url FROM tenants", "--control", &control_url]);
    assert!(out.contains(&format!("at head  {}: at 2_b (head)", urls[5])), "{out}");
    assert!(out.contains("6 target(s): 6 at head, 0 behind, 0 failed"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&p.ok(&["fleet", "status", "--targets", "targets.txt", "--json"]))
            .expect("JSON");
    assert_eq!(v["version"], 1, "{v}");
    assert_eq!(v["summary"]["total"], 6, "{v}");
    assert_eq!(v["targets"][0]["state"], "at_head", "{v}");
    assert_eq!(v["targets"][0]["status"]["current"], 2, "{v}");
    // Back one migration on every target.
    let out = p.ok(&["fleet", "down", "-1", "--targets", "targets.txt"]);
    assert!(out.contains(&format!("reverted {}: 1 migration(s) in ", urls[3])), "{out}");
    assert!(out.contains("6 target(s): 6 reverted, 0 with nothing to revert, 0 failed"), "{out}");
    // A list that names no database.
    std::fs::write(p.root.join("bad.txt"), "sqlite://a.db\nhttp://example.com\n").expect("writes");
    let out = p.fails(&["fleet", "up", "--targets", "bad.txt"], 2);
    assert!(out.contains("bad.txt:2: `http://example.com` is not a database URL"), "{out}");
}

/// `strata fleet up --schemas`: each schema of one PostgreSQL database is a target with its
/// own tables and history; a target's password never shows.
#[test]
fn fleet_migrates_the_schemas_of_a_postgres_database() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let Some(mut conn) = rt.block_on(db::postgres("cli_fleet")) else { return };
    let url = db::server_url(db::POSTGRES_URL, "cli_fleet").expect("a URL");
    rt.block_on(async {
        use sqlx::Executor;
        conn.execute("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b; CREATE SCHEMA other")
            .await
            .expect("schemas");
    });
    let p = Project::new("fleet_schemas", url.clone());
    p.ok(&["init", "--dialect", "postgres"]);
    std::fs::write(p.root.join("migrations/1_a.up.sql"), "CREATE TABLE a (id INT PRIMARY KEY);\n")
        .expect("writes");
    p.ok(&["hash"]);
    let out = p.ok(&["fleet", "up", "--schemas", "tenant\\_%", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["summary"]["applied"], 2, "{v}");
    assert!(
        v["targets"][1]["target"].as_str().is_some_and(|t| t.ends_with("/strata_t_cli_fleet#tenant_b")),
        "{v}"
    );
    let tables: Vec<(String, String)> = rt.block_on(
        sqlx::query_as(
            "SELECT table_schema::text, table_name::text FROM information_schema.tables WHERE table_schema IN ('tenant_a', 'tenant_b', 'other', 'public') AND table_name = 'a' ORDER BY 1",
        )
        .fetch_all(&mut conn),
    )
    .expect("reads");
    assert_eq!(tables, [("tenant_a".into(), "a".into()), ("tenant_b".into(), "a".into())]);
    // A password in a target's URL is not printed.
    std::fs::write(p.root.join("targets.txt"), "postgres://postgres:hunter2@127.0.0.1:1/nothing\n")
        .expect("writes");
    let out = p.fails(&["fleet", "up", "--targets", "targets.txt"], 2);
    assert!(out.contains("failed   postgres://postgres:***@127.0.0.1:1/nothing: cannot reach it: "), "{out}");
    assert!(!out.contains("hunter2"), "{out}");
}
