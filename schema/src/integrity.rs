//! `migrations/strata.sum`: the ordered list of migrations with the checksum of each, kept in
//! git beside them. Two branches that each add a migration both change its last lines, so
//! git shows the conflict; a migration edited after it was recorded no longer matches.

use std::path::Path;

use crate::migrations::{Migration, MigrationSet};

/// The file name, in the migrations directory.
pub const INTEGRITY_FILE: &str = "strata.sum";

const HEADER: &str = "# strata: every migration of this directory, in order, with the SHA-384 of its up SQL.\n\
# Two branches that each add a migration conflict here, on purpose: put the migrations in\n\
# order, then record them again. `open` instead of a checksum: written by `generate --empty`\n\
# to be filled in; the next `strata generate` or `strata hash` records it.\n";

/// What `generate --empty` records instead of a checksum: the migration is to be filled in.
pub const OPEN: &str = "open";

/// The line that records `m`.
pub fn line(m: &Migration) -> String {
    record(&m.version, &m.checksum, &m.description)
}

/// The line for a migration not read from disk (one being written): its version, the checksum
/// of its up SQL (`migrations::checksum`) and its description.
pub fn record(version: &str, checksum: &[u8; 48], description: &str) -> String {
    format!("{version} {} {}", crate::migrations::hex(checksum), description.replace(' ', "_"))
}

/// The line for a migration written empty, to be filled in (see [`OPEN`]).
pub fn record_open(version: &str, description: &str) -> String {
    format!("{version} {OPEN} {}", description.replace(' ', "_"))
}

/// The whole file for `set`.
pub fn render(set: &MigrationSet) -> String {
    let mut out = String::from(HEADER);
    for m in &set.migrations {
        out.push_str(&line(m));
        out.push('\n');
    }
    out
}

/// Where the directory and its `strata.sum` disagree, each in words; empty when they agree or
/// when there is no `strata.sum`.
pub fn check(set: &MigrationSet) -> Vec<String> {
    let path = set.dir.join(INTEGRITY_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else { return Vec::new() };
    check_text(set, &text, &path)
}

/// The lines of the file that record a migration, numbered from 1: its version and its checksum
/// (or [`OPEN`]), or `None` for a line that is not `<version> <checksum> <name>`. Comments and
/// blank lines are left out.
pub fn records(text: &str) -> impl Iterator<Item = (usize, Option<(&str, &str)>)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            return None;
        }
        let mut parts = l.split_whitespace();
        Some((i + 1, parts.next().zip(parts.next())))
    })
}

fn check_text(set: &MigrationSet, text: &str, path: &Path) -> Vec<String> {
    let file = path.file_name().and_then(|n| n.to_str()).unwrap_or(INTEGRITY_FILE);
    // A merge conflict says everything there is to say; the lines inside it would only repeat it.
    let markers: Vec<String> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("<<<<<<<") || l.starts_with(">>>>>>>") || l.starts_with("======="))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if !markers.is_empty() {
        return vec![format!(
            "`{file}` has git conflict markers (lines {}): two branches each added migrations (multiple heads); `strata renumber` gives this branch's migrations versions after the other branch's and records the directory again",
            markers.join(", ")
        )];
    }
    let mut recorded: Vec<(usize, &str, &str)> = Vec::new(); // line number, version, checksum
    let mut problems = Vec::new();
    for (at, record) in records(text) {
        match record {
            Some((v, c)) => recorded.push((at, v, c)),
            None => problems.push(format!("`{file}` line {at} is not `<version> <checksum> <name>`")),
        }
    }
    // Both spellings of each version (diesel's `2024-01-01-120000` is recorded as written).
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, m) in set.migrations.iter().enumerate() {
        index.entry(m.version.clone()).or_insert(i);
        index.entry(m.version_number.to_string()).or_insert(i);
    }
    let index_of = |v: &str| index.get(v).copied();
    let mut recorded_at: Vec<Option<(usize, &str)>> = vec![None; set.migrations.len()];
    for (at, v, checksum) in &recorded {
        if let Some(i) = index_of(v) {
            recorded_at[i].get_or_insert((*at, *checksum));
        }
    }
    for (m, found) in set.migrations.iter().zip(&recorded_at) {
        match found {
            None => problems.push(format!(
                "migration `{}` is not recorded in `{file}`: `strata generate` records the migrations it writes; `strata hash` records one written by hand",
                m.name()
            )),
            Some((at, checksum)) if *checksum != OPEN && *checksum != m.checksum_hex() => problems.push(format!(
                "migration `{}` changed after `{file}` recorded it (line {at}); databases that applied it will refuse the new text: put the change in a new migration, or, if the edit is meant (it was never applied anywhere, or only fixes what a failed run left), record it again with `strata hash`",
                m.name()
            )),
            Some(_) => {}
        }
    }
    let order: Vec<usize> = recorded.iter().filter_map(|r| index_of(r.1)).collect();
    if order.windows(2).any(|w| w[0] > w[1]) {
        problems.push(format!("`{file}` records the migrations in another order than the directory's: `strata renumber` records them again in order"));
    }
    for (at, v, _) in &recorded {
        if index_of(v).is_none() {
            problems.push(format!("`{file}` line {at} records migration {v}, which is not in the directory: remove the line, or restore the migration"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Dialect};

    fn set(names: &[(&str, &str)]) -> MigrationSet {
        let migrations = names
            .iter()
            .map(|(v, sql)| Migration {
                version: (*v).to_owned(),
                version_number: v.parse().expect("a number"),
                description: "m".into(),
                layout: crate::migrations::Layout::SqlxReversible,
                up: crate::migrations::SqlFile {
                    path: format!("{v}_m.up.sql").into(),
                    sql: (*sql).to_owned(),
                },
                down: None,
                no_transaction: false,
                down_no_transaction: false,
                checksum: crate::migrations::checksum(sql),
                replaces: Vec::new(),
            })
            .collect();
        MigrationSet { dir: "migrations".into(), config: Config::new(Dialect::Sqlite), migrations }
    }

    #[test]
    fn a_recorded_directory_agrees() {
        let s = set(&[("1", "CREATE TABLE a (id INT);"), ("2", "CREATE TABLE b (id INT);")]);
        assert!(check_text(&s, &render(&s), Path::new("strata.sum")).is_empty());
    }

    /// `generate --empty` records a migration open: filled in, it agrees with the file still;
    /// rendering the directory again records its checksum.
    #[test]
    fn an_open_migration_is_filled_in_freely() {
        let s = set(&[("1", "CREATE TABLE a (id INT);"), ("2", "INSERT INTO a VALUES (1);")]);
        let text = format!("{HEADER}{}\n{}\n", line(&s.migrations[0]), record_open("2", "m"));
        assert!(check_text(&s, &text, Path::new("strata.sum")).is_empty());
        let rendered = render(&s);
        assert!(rendered.contains(&line(&s.migrations[1])));
        assert!(rendered.lines().filter(|l| !l.starts_with('#')).all(|l| !l.contains(OPEN)), "{rendered}");
    }

    #[test]
    fn disagreements_are_named() {
        let recorded = set(&[("1", "CREATE TABLE a (id INT);"), ("3", "CREATE TABLE c (id INT);")]);
        let now = set(&[("1", "CREATE TABLE a (id BIGINT);"), ("2", "CREATE TABLE b (id INT);")]);
        let problems = check_text(&now, &render(&recorded), Path::new("strata.sum"));
        assert!(problems.iter().any(|p| p.contains("`1_m` changed after")), "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains("`2_m` is not recorded")
                && p.contains("`strata hash` records one written by hand")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("records migration 3, which is not in the directory")),
            "{problems:?}"
        );
        let conflict = format!("{}<<<<<<< HEAD\n", render(&recorded));
        assert!(
            check_text(&recorded, &conflict, Path::new("strata.sum"))
                .iter()
                .any(|p| p.contains("git conflict markers"))
        );
        let swapped = set(&[("3", "CREATE TABLE c (id INT);"), ("1", "CREATE TABLE a (id INT);")]);
        let problems = check_text(&recorded, &render(&swapped), Path::new("strata.sum"));
        assert!(problems.iter().any(|p| p.contains("another order")), "{problems:?}");
    }
}
