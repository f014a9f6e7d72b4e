//! Two branches that each add migrations: `strata.sum` conflicts in git (Alembic's "multiple
//! heads"), `check` says which migrations came from where, and `renumber` moves this branch's
//! after the other's, as Django's `makemigrations --merge` reconciles two leaves.

use std::path::{Path, PathBuf};

use strata_schema::MigrationSet;
use strata_schema::integrity::{self, INTEGRITY_FILE};
use strata_schema::migrations::{Layout, Migration};

use super::{Project, generate::next_version, shown};
use crate::cli::Failure;

/// The two sides of a conflicted `strata.sum`, as versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Heads {
    /// Recorded on both sides.
    pub common: Vec<String>,
    /// Between `<<<<<<<` and `=======`.
    pub ours: Vec<String>,
    /// Between `=======` and `>>>>>>>`.
    pub theirs: Vec<String>,
}

pub(super) fn write_sum(set: &MigrationSet) -> Result<(), Failure> {
    write_sum_text(&set.dir, &integrity::render(set))
}

pub(super) fn write_sum_text(dir: &Path, text: &str) -> Result<(), Failure> {
    let path = dir.join(INTEGRITY_FILE);
    std::fs::write(&path, text).map_err(|e| Failure::new(format!("cannot write `{}`: {e}", shown(&path))))
}

/// The sides of `strata.sum` when git left conflict markers in it.
pub(super) fn heads(dir: &Path) -> Option<Heads> {
    let text = std::fs::read_to_string(dir.join(INTEGRITY_FILE)).ok()?;
    let mut heads = Heads { common: Vec::new(), ours: Vec::new(), theirs: Vec::new() };
    let mut side = 0; // 0 common, 1 ours, 2 theirs
    let mut conflicted = false;
    for l in text.lines() {
        if l.starts_with("<<<<<<<") {
            side = 1;
            conflicted = true;
        } else if l.starts_with("=======") && side == 1 {
            side = 2;
        } else if l.starts_with(">>>>>>>") {
            side = 0;
        } else if !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with("|||||||") {
            let v = l.split_whitespace().next().unwrap_or("").to_owned();
            match side {
                1 => heads.ours.push(v),
                2 => heads.theirs.push(v),
                _ => heads.common.push(v),
            }
        }
    }
    conflicted.then_some(heads)
}

/// The newest migration, or, while `strata.sum` is in conflict, the newest of each branch
/// (this branch's first), named as `history` names them.
pub fn head_names(project: &super::Project) -> Result<Vec<String>, Failure> {
    let set = project.set()?;
    let name =
        |v: &str| set.migrations.iter().find(|m| m.version == v).map_or_else(|| v.to_owned(), |m| m.name());
    match heads(&project.dir) {
        Some(h) => {
            let (local, other) = sides(&project.dir, &h);
            Ok([local.last(), other.last()].into_iter().flatten().map(|v| name(v)).collect())
        }
        None => Ok(set.latest().map(|m| m.name()).into_iter().collect()),
    }
}

/// [`head_names`] as `strata heads --json` prints them.
pub fn heads_json(names: &[String]) -> String {
    serde_json::json!({ "version": 1, "heads": names }).to_string()
}

/// Whether git is in the middle of a rebase here: then the conflict's first side is the
/// branch being rebased onto, and the second the local commits.
fn rebasing(dir: &Path) -> bool {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--git-path", "rebase-merge", "--git-path", "rebase-apply"])
        .current_dir(dir)
        .output();
    let Ok(out) = out else { return false };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|p| dir.join(p.trim()).exists() || Path::new(p.trim()).exists())
}

/// The versions this branch added, and the ones the other branch has: `(local, others)`.
pub(super) fn sides(dir: &Path, h: &Heads) -> (Vec<String>, Vec<String>) {
    let (local, other) = if rebasing(dir) { (&h.theirs, &h.ours) } else { (&h.ours, &h.theirs) };
    let local: Vec<String> = local.iter().filter(|v| !other.contains(v)).cloned().collect();
    let mut others = h.common.clone();
    others.extend(other.iter().cloned());
    (local, others)
}

/// How the conflict reads in words, for `check` and `generate`.
pub(super) fn describe(project: &Project, h: &Heads) -> Failure {
    let (local, others) = sides(&project.dir, h);
    let set = project.set().ok();
    let names = |vs: &[String]| -> String {
        let shown: Vec<String> = vs
            .iter()
            .map(|v| set.and_then(|s| find(s, v)).map_or(v.clone(), Migration::name))
            .map(|n| format!("`{n}`"))
            .collect();
        if shown.is_empty() { "none".into() } else { shown.join(", ") }
    };
    let theirs: Vec<String> = others.iter().filter(|v| !h.common.contains(v)).cloned().collect();
    Failure::new(format!(
        "two branches each added migrations, so `{}/{INTEGRITY_FILE}` has a git conflict (multiple heads)",
        project.shown
    ))
    .found()
    .note(format!("this branch adds {}", names(&local)))
    .note(format!("the other branch adds {}", names(&theirs)))
    .help("`strata renumber` gives this branch's migrations versions after the other's and records the directory again; then `strata check`")
}

pub(super) fn refuse_conflict(project: &Project) -> Result<(), Failure> {
    match heads(&project.dir) {
        Some(h) => Err(describe(project, &h)),
        None => Ok(()),
    }
}

/// `strata.sum` must record the directory as it is before anything is written from it or run
/// from it: `generate`, and every command of a database. Stops with what `check` says, and
/// changes nothing (a conflict is told as `check` tells it).
pub fn refuse_stale(project: &Project, doing: &str) -> Result<(), Failure> {
    refuse_conflict(project)?;
    let problems = integrity::check(project.set()?);
    if problems.is_empty() {
        return Ok(());
    }
    let mut f = Failure::new(format!(
        "the migrations do not match `{INTEGRITY_FILE}`, so {doing}: {} problem{}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    ))
    .at(shown(&project.dir.join(INTEGRITY_FILE)));
    f.notes.extend(problems);
    Err(f.help(
        "`strata check` says the same; `strata hash` records the directory as it is, once each edit is one you mean",
    ))
}

/// `strata hash`: records every migration as it is in `strata.sum`, after edits the user
/// means (a migration never applied anywhere, or one written by hand). Returns what it
/// recorded anew, in words; empty when the file already recorded the directory.
pub fn hash(project: &Project) -> Result<Vec<String>, Failure> {
    refuse_conflict(project)?;
    let set = project.set()?;
    let before = std::fs::read_to_string(project.dir.join(INTEGRITY_FILE)).unwrap_or_default();
    let recorded: std::collections::HashMap<&str, &str> =
        integrity::records(&before).filter_map(|(_, record)| record).collect();
    let mut said = Vec::new();
    for m in &set.migrations {
        let number = m.version_number.to_string();
        match recorded.get(m.version.as_str()).or_else(|| recorded.get(number.as_str())) {
            None => said.push(format!("{} (it was not recorded)", m.name())),
            Some(&integrity::OPEN) => said.push(format!("{} (it was open, to be filled in)", m.name())),
            Some(c) if *c != m.checksum_hex() => {
                said.push(format!("{} again (it changed since it was recorded)", m.name()))
            }
            Some(_) => {}
        }
    }
    for v in recorded.keys() {
        if find(set, v).is_none() {
            said.push(format!("no line for {v} any more (no such migration in the directory)"));
        }
    }
    if before != integrity::render(set) {
        write_sum(set)?;
    }
    Ok(said)
}

fn find<'a>(set: &'a MigrationSet, v: &str) -> Option<&'a Migration> {
    set.migrations.iter().find(|m| m.version == v || m.version_number.to_string() == v)
}

/// `strata renumber`: this branch's migrations (the side of a conflicted `strata.sum` that
/// is ours, or those it does not record) get new versions after every other migration, their
/// files are renamed, and `strata.sum` is recorded again. Returns the renames.
pub fn renumber(project: &Project) -> Result<Vec<(String, String)>, Failure> {
    let set = project.set()?;
    let (local, others): (Vec<String>, Vec<String>) = match heads(&project.dir) {
        Some(h) => sides(&project.dir, &h),
        None => {
            let text = std::fs::read_to_string(project.dir.join(INTEGRITY_FILE)).unwrap_or_default();
            let recorded: Vec<String> = text
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
                .collect();
            let local = set
                .migrations
                .iter()
                .filter(|m| !recorded.iter().any(|r| *r == m.version || *r == m.version_number.to_string()))
                .map(|m| m.version.clone())
                .collect();
            (local, recorded)
        }
    };
    let newest_other = set
        .migrations
        .iter()
        .filter(|m| others.iter().any(|o| *o == m.version || *o == m.version_number.to_string()))
        .map(|m| m.version_number)
        .max();
    let moving: Vec<&Migration> = set
        .migrations
        .iter()
        .filter(|m| local.iter().any(|l| *l == m.version || *l == m.version_number.to_string()))
        .collect();
    let mut renames = Vec::new();
    let mut last = newest_other;
    let in_order = moving.iter().all(|m| newest_other.is_none_or(|n| m.version_number > n));
    if !in_order {
        for m in &moving {
            let v = next_version(last);
            last = Some(v);
            let new_name = format!("{v}_{}", m.description.replace(' ', "_"));
            rename(m, v)?;
            renames.push((m.name(), new_name));
        }
    }
    let set = MigrationSet::load(&project.dir, None).map_err(|e| Failure::new(e.to_string()))?;
    write_sum(&set)?;
    Ok(renames)
}

/// Renames a migration's files to version `v`, in its own layout.
fn rename(m: &Migration, v: i64) -> Result<(), Failure> {
    let moved = |from: &Path, to: PathBuf| {
        std::fs::rename(from, &to)
            .map_err(|e| Failure::new(format!("cannot rename `{}` to `{}`: {e}", shown(from), shown(&to))))
    };
    let description = m.description.replace(' ', "_");
    match m.layout {
        Layout::Diesel => {
            let folder = m.up.path.parent().unwrap_or(Path::new("."));
            moved(folder, folder.with_file_name(super::diesel_folder(v, &description)))
        }
        Layout::Flyway => {
            let file = |p: &Path, kind: char| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let rest = name.split_once("__").map_or(name.as_str(), |(_, r)| r).to_owned();
                p.with_file_name(format!("{kind}{v}__{rest}"))
            };
            moved(&m.up.path, file(&m.up.path, 'V'))?;
            match &m.down {
                Some(d) => moved(&d.path, file(&d.path, 'U')),
                None => Ok(()),
            }
        }
        Layout::Prisma => {
            let folder = m.up.path.parent().unwrap_or(Path::new("."));
            moved(folder, folder.with_file_name(format!("{v}_{description}")))
        }
        Layout::SqlxReversible | Layout::Named => {
            moved(&m.up.path, m.up.path.with_file_name(format!("{v}_{description}.up.sql")))?;
            match &m.down {
                Some(d) => moved(&d.path, d.path.with_file_name(format!("{v}_{description}.down.sql"))),
                None => Ok(()),
            }
        }
        Layout::SqlxSimple | Layout::Goose | Layout::Dbmate => {
            moved(&m.up.path, m.up.path.with_file_name(format!("{v}_{description}.sql")))
        }
        Layout::Versioned => Err(Failure::new(format!(
            "`{}` is in a versioned folder, whose version is a release's (`v1.20`), not a time: strata does not choose the next one",
            shown(&m.up.path)
        ))
        .help("rename the folder to the next free version and set `CurrVersion` in its manifest.json to it, then run `strata hash`")),
    }
}
