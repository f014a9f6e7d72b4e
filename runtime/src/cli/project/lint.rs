//! `strata lint`, and the lint `strata check` runs on the migrations that are new: which
//! migrations to lint, and the findings for people (rustc's shape), for programs (JSON) and
//! for code-scanning pages (SARIF 2.1.0).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::json;
use strata_schema::lint::{self, Finding, Level, Options};

use super::{Project, shown};
use crate::cli::Failure;

/// Which migrations `strata lint` reads.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Versions or up files named on the command line.
    pub migrations: Vec<String>,
    /// The migrations after this version.
    pub since: Option<String>,
    /// The migrations the main branch's `strata.sum` does not list.
    pub new: bool,
}

/// What a lint found, and over what.
#[derive(Debug, Clone)]
pub struct Linted {
    pub findings: Vec<Finding>,
    /// How many migrations were linted.
    pub migrations: usize,
    /// The oldest server the rules assumed.
    pub server: String,
    /// Which migrations were linted, in words (`the migrations not on `main``).
    pub scope: String,
}

impl Linted {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.level == Level::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.level == Level::Warn).count()
    }

    /// The findings in rustc's shape, then a summary line.
    pub fn render(&self) -> String {
        let mut out: String = self.findings.iter().map(render).collect();
        let (e, w) = (self.errors(), self.warnings());
        let what =
            format!("{} ({}, assuming {})", self.scope, plural(self.migrations, "migration"), self.server);
        if e == 0 && w == 0 {
            out.push_str(&format!("ok: `strata lint` found nothing in {what}\n"));
        } else {
            let level = if e > 0 { "error" } else { "warning" };
            out.push_str(&format!(
                "{level}: `strata lint` found {} and {} in {what}\n",
                plural(e, "error"),
                plural(w, "warning")
            ));
        }
        out
    }

    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "version": 1,
            "ok": self.errors() == 0,
            "migrations": self.migrations,
            "server": self.server,
            "errors": self.errors(),
            "warnings": self.warnings(),
            "findings": self.findings.iter().map(|f| json!({
                "rule": f.rule,
                "level": f.level,
                "file": shown(&f.path),
                "version": f.version,
                "line": f.line,
                "column": f.column,
                "message": f.message,
                "help": f.help,
                "doc": doc(f.rule),
            })).collect::<Vec<_>>(),
        })
    }

    /// SARIF 2.1.0, as GitHub's and GitLab's code scanning read it: one run, every rule in the
    /// tool's description, a result per finding with its file, line and column.
    pub fn to_sarif(&self) -> serde_json::Value {
        let rules: Vec<_> = lint::RULES
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "shortDescription": { "text": r.summary },
                    "helpUri": doc(r.id),
                    "defaultConfiguration": { "level": sarif_level(r.level) },
                })
            })
            .collect();
        let results: Vec<_> = self
            .findings
            .iter()
            .map(|f| {
                let text = match &f.help {
                    Some(h) => format!("{}\nhelp: {h}", f.message),
                    None => f.message.clone(),
                };
                json!({
                    "ruleId": f.rule,
                    "level": sarif_level(f.level),
                    "message": { "text": text },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri(&f.path) },
                            "region": { "startLine": f.line, "startColumn": f.column },
                        }
                    }],
                })
            })
            .collect();
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "strata",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/strata-rs/strata",
                    "rules": rules,
                }},
                "results": results,
            }],
        })
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Off => "none",
    }
}

/// A path as a SARIF URI: relative, with forward slashes.
fn uri(path: &Path) -> String {
    shown(path).replace('\\', "/")
}

/// Where a rule is explained.
pub fn doc(rule: &str) -> String {
    format!("https://github.com/strata-rs/strata/blob/main/docs/lint.md#{rule}")
}

/// One finding as rustc prints a lint: level and rule, the place, the line with a caret, the
/// safe way, where the rule is explained and how to let it pass.
pub fn render(f: &Finding) -> String {
    let pad = " ".repeat(f.line.to_string().len());
    let mut out = format!(
        "{}[{}]: {}\n{pad}--> {}:{}:{}\n",
        f.level.name(),
        f.rule,
        f.message,
        shown(&f.path),
        f.line,
        f.column
    );
    for l in strata_schema::replay::excerpt(f.line, f.column, &f.source_line) {
        out.push_str(&l);
        out.push('\n');
    }
    if let Some(h) = &f.help {
        out.push_str(&format!("{pad} = help: {h}\n"));
    }
    if f.rule != lint::ALLOW_RULE {
        out.push_str(&format!(
            "{pad} = note: docs/lint.md#{}; if it is safe here, say why on the statement: `-- strata:allow {}: <why>`\n",
            f.rule, f.rule
        ));
    }
    out.push('\n');
    out
}

/// Lints the migrations `selection` names (every one when it names none).
pub fn lint(project: &Project, selection: &Selection) -> Result<Linted, Failure> {
    let base = if selection.new { released(project).ok() } else { None };
    lint_with(project, selection, base)
}

fn lint_with(project: &Project, selection: &Selection, base: Option<Base>) -> Result<Linted, Failure> {
    let set = project.set()?;
    let mut options = Options::from_config(set)
        .map_err(|e| Failure::new(e).at(format!("{}/{}", project.shown, strata_schema::CONFIG_FILE)))?;
    let (only, scope) = select(project, selection, base)?;
    let migrations = only.as_ref().map_or(set.migrations.len(), BTreeSet::len);
    options.only = only;
    let findings = run(set, &options)?;
    Ok(Linted { findings, migrations, server: options.server.to_string(), scope })
}

/// The lint of the migrations `strata check` calls new: after `since`, or those the main
/// branch's `strata.sum` does not list; `None` when nothing is new. In a git repository that
/// knows no main branch (a shallow CI checkout), nothing counts as new, and the note says so.
pub fn lint_new(project: &Project, since: Option<&str>) -> Result<(Option<Linted>, Option<String>), Failure> {
    let selection =
        Selection { migrations: Vec::new(), since: since.map(str::to_owned), new: since.is_none() };
    let base = match since {
        Some(_) => None,
        None => match released(project) {
            Ok(b) => Some(b),
            Err(NoBase::Repository) => return Ok((None, None)),
            Err(NoBase::Branch(tried)) => {
                let note = format!(
                    "nothing linted: git knows none of {} here, so no migration counts as new; fetch the main branch (`git fetch origin main`; in GitHub Actions, `fetch-depth: 0`), name it in strata.toml (`[lint] main = \"...\"`), or pass `--since VERSION`",
                    tried.iter().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ")
                );
                return Ok((None, Some(note)));
            }
        },
    };
    let linted = lint_with(project, &selection, base)?;
    Ok(((linted.migrations > 0).then_some(linted), None))
}

fn run(set: &strata_schema::MigrationSet, options: &Options) -> Result<Vec<Finding>, Failure> {
    if options.only.as_ref().is_some_and(BTreeSet::is_empty) {
        return Ok(Vec::new());
    }
    lint::lint(set, options).map_err(|e| super::replay_failure(&e))
}

/// The versions to lint as one batch (`None`: every migration, each its own), and the scope
/// in words.
fn select(
    project: &Project,
    selection: &Selection,
    base: Option<Base>,
) -> Result<(Option<BTreeSet<i64>>, String), Failure> {
    let set = project.set()?;
    let mut only = BTreeSet::new();
    let mut scope = Vec::new();
    if let Some(since) = &selection.since {
        // A version no migration here has (one deployed from another branch) is a bound too.
        let exact = set.migrations.iter().find(|m| m.version == *since || m.name() == *since);
        let v = match (exact, since.parse::<i64>()) {
            (Some(m), _) => m.version_number,
            (None, Ok(v)) => v,
            (None, Err(_)) => find(project, since)?.version_number,
        };
        only.extend(set.migrations.iter().map(|m| m.version_number).filter(|n| *n > v));
        scope.push(format!("the migrations after {since}"));
    }
    if selection.new {
        let (branch, listed) = base.ok_or_else(|| {
            Failure::new("no main branch to compare with: git knows none of `main`, `origin/main`, `master`, `origin/master`")
                .help("name it in strata.toml (`[lint] main = \"origin/trunk\"`), or lint the migrations after a version: `--since VERSION`")
        })?;
        only.extend(set.migrations.iter().filter(|m| !listed.contains(&m.version)).map(|m| m.version_number));
        scope.push(format!("the migrations not on `{branch}`"));
    }
    for wanted in &selection.migrations {
        only.insert(find(project, wanted)?.version_number);
    }
    if !selection.migrations.is_empty() {
        scope.push("the migrations named".into());
    }
    if scope.is_empty() {
        return Ok((None, format!("`{}`", project.shown)));
    }
    Ok((Some(only), scope.join(" and ")))
}

/// A migration by version, name, a prefix of its name that only it has, or one of its files
/// (or, for diesel, its folder).
fn find<'a>(project: &'a Project, text: &str) -> Result<&'a strata_schema::Migration, Failure> {
    let set = project.set()?;
    let path = Path::new(text);
    let exact = set.migrations.iter().find(|m| {
        m.version == text
            || m.version_number.to_string() == text
            || m.name() == text
            || same_file(&m.up.path, path)
            || m.down.as_ref().is_some_and(|d| same_file(&d.path, path))
            || (m.layout == strata_schema::migrations::Layout::Diesel
                && m.up.path.parent().is_some_and(|dir| same_file(dir, path)))
    });
    if let Some(m) = exact {
        return Ok(m);
    }
    let by_prefix: Vec<&strata_schema::Migration> =
        set.migrations.iter().filter(|m| m.name().starts_with(text)).collect();
    match by_prefix.as_slice() {
        [one] => Ok(one),
        [] => Err(Failure::new(format!("`{text}` is not a migration of `{}`", project.shown))
            .help("name a version, a migration (`strata history` lists them) or its up file")),
        many => Err(Failure::new(format!(
            "`{text}` could be {}",
            many.iter().map(|m| format!("`{}`", m.name())).collect::<Vec<_>>().join(", ")
        ))
        .help("give more of the version")),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The main branch, and the versions its `strata.sum` lists.
type Base = (String, BTreeSet<String>);

/// Why there is no main branch to compare with.
enum NoBase {
    /// git is not there, or the directory is not in a repository.
    Repository,
    /// The repository knows none of these branches.
    Branch(Vec<String>),
}

/// The main branch and the versions its `strata.sum` lists, read through git. One `git
/// cat-file --batch` asks for every candidate branch at once: `strata check` pays for one
/// process.
fn released(project: &Project) -> Result<Base, NoBase> {
    use std::io::{BufRead, Read, Write};
    let candidates: Vec<String> = match project.config().lint.main.clone() {
        Some(b) => vec![b],
        None => ["main", "origin/main", "master", "origin/master"].map(str::to_owned).to_vec(),
    };
    let file = strata_schema::integrity::INTEGRITY_FILE;
    let mut child = std::process::Command::new("git")
        .arg("-C")
        .arg(&project.dir)
        .args(["cat-file", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|_| NoBase::Repository)?;
    // For each branch: its commit (whether it exists), and strata.sum there (whether the
    // directory is on it at all).
    let asked: String = candidates.iter().map(|b| format!("{b}^{{commit}}\n{b}:./{file}\n")).collect();
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(NoBase::Repository);
    };
    // Outside a repository git says nothing on its output and exits.
    let _ = stdin.write_all(asked.as_bytes());
    drop(stdin);
    let mut out = std::io::BufReader::new(stdout);
    // One answer: `<oid> <type> <size>` and the content, or `<name> missing`; `Err` at the end.
    let mut answer = || -> Result<Option<Vec<u8>>, ()> {
        let mut header = String::new();
        if out.read_line(&mut header).unwrap_or(0) == 0 {
            return Err(());
        }
        let size = match header.split_whitespace().collect::<Vec<_>>()[..] {
            [_, _, size] => size.parse::<usize>().map_err(|_| ())?,
            _ => return Ok(None),
        };
        let mut content = vec![0; size + 1];
        out.read_exact(&mut content).map_err(|_| ())?;
        content.truncate(size);
        Ok(Some(content))
    };
    let mut answered = false;
    let mut found = None;
    for branch in &candidates {
        let (Ok(commit), Ok(sum)) = (answer(), answer()) else { break };
        answered = true;
        if found.is_none() && commit.is_some() {
            // A branch without the file: the whole directory is new on this one.
            let text = sum.map(|s| String::from_utf8_lossy(&s).into_owned()).unwrap_or_default();
            let listed = strata_schema::integrity::records(&text)
                .filter_map(|(_, r)| r.map(|(v, _)| v.to_owned()))
                .collect();
            found = Some((branch.clone(), listed));
        }
    }
    let _ = child.wait();
    match (found, answered) {
        (Some(base), _) => Ok(base),
        (None, true) => Err(NoBase::Branch(candidates)),
        (None, false) => Err(NoBase::Repository),
    }
}
