//! The README's "Start" section, pasted into a new crate as a user would paste it: its
//! Cargo.toml (strata taken from this checkout, as it is not on crates.io here), the models and
//! `main`; then the commands it lists, and what `cargo run` prints.

use std::path::Path;
use std::process::Command;

use crate::db;
use crate::project::Project;

/// The fenced code blocks of the README's `## Start` section: (language, text).
fn start_blocks() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
        .expect("README.md");
    let start = readme.split("\n## Start\n").nth(1).expect("a `## Start` section");
    let section = start.split("\n## ").next().unwrap_or(start);
    let mut blocks = Vec::new();
    let mut parts = section.split("```");
    parts.next();
    while let (Some(block), _) = (parts.next(), parts.next()) {
        let (lang, text) = block.split_once('\n').expect("a fenced block");
        blocks.push((lang.trim().to_owned(), text.to_owned()));
    }
    blocks
}

/// The block whose first line is `first`.
fn block<'a>(blocks: &'a [(String, String)], first: &str) -> &'a str {
    &blocks
        .iter()
        .find(|(_, text)| text.lines().next() == Some(first))
        .unwrap_or_else(|| panic!("a block starting `{first}`"))
        .1
}

#[test]
fn the_readme_setup_works_when_pasted() {
    let blocks = start_blocks();
    let p = Project::new("readme", db::sqlite_url("readme"));
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    let dependencies = block(&blocks, "# Cargo.toml");
    let published = "strata = { version = \"0.1\",";
    assert!(dependencies.contains(published), "{dependencies}");
    let dependencies =
        dependencies.replace(published, &format!("strata = {{ path = {:?},", runtime.display().to_string()));
    std::fs::write(
        p.root.join("Cargo.toml"),
        format!("[package]\nname = \"readme\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n{dependencies}\n[workspace]\n"),
    )
    .expect("Cargo.toml");
    std::fs::write(p.root.join("src/models.rs"), block(&blocks, "// src/models.rs")).expect("models.rs");
    std::fs::write(p.root.join("src/main.rs"), block(&blocks, "// src/main.rs")).expect("main.rs");

    // The commands, as the README lists them (the first installs this binary).
    let commands: Vec<Vec<String>> = block(
        &blocks,
        "cargo install --path cli                  # the `strata` command, from this repository",
    )
    .lines()
    .map(|l| l.split('#').next().unwrap_or("").trim())
    .filter(|l| l.starts_with("strata "))
    .map(|l| shell_words(l.trim_start_matches("strata ")))
    .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    p.ok(&commands[0].iter().map(String::as_str).collect::<Vec<_>>());
    // Before the migration, the build refuses at the model.
    let refused = p.compile().expect_err("no migration creates `users` yet");
    assert!(refused.contains("table `users` is not created by any migration"), "{refused}");
    p.ok(&commands[1].iter().map(String::as_str).collect::<Vec<_>>());

    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-e2e-target");
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "--offline", "--quiet"])
        .current_dir(&p.root)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.starts_with("1 user(s), the first made at 20"), "{said}");
}

/// `generate -m "create users"` as a shell splits it.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut quoted = false;
    let mut word = String::new();
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}
