//! `strata squash --to VERSION`: the migrations up to a version, as one rendered from the
//! replay, in their place.

use std::path::{Path, PathBuf};

use strata_schema::migrations::{Layout, Migration};
use strata_schema::plan::{Plan, Script};
use strata_schema::squash::{Found, Keep, SquashError};

use super::generate::{files_for, slug, write_files};
use super::{Project, shown, team};
use crate::cli::Failure;
use crate::cli::output::outln;

/// What `squash` was asked.
#[derive(Debug, Clone, Default)]
pub struct Squash {
    /// The newest migration squashed (version, name, or a prefix only one has).
    pub to: String,
    /// `-m`: names the squash's files [default: `squashed`].
    pub message: Option<String>,
    /// What to do with statements whose effect the schema does not show.
    pub keep: Keep,
    pub json: bool,
}

/// Writes the squash in place of the migrations it replaces; returns the files written.
pub fn squash(project: &Project, args: &Squash) -> Result<Vec<PathBuf>, Failure> {
    team::refuse_stale(project, "nothing was written")?;
    let set = project.set()?;
    let through = find(&set.migrations, &args.to)?;
    let last = &set.migrations[through];
    if matches!(last.layout, Layout::Versioned | Layout::Named) {
        return Err(Failure::new(format!(
            "`{}` holds {} migrations, whose versions come from their folders or whole names: a squash would need a version of its own between them, which strata cannot give",
            project.shown, last.layout
        ))
        .help("squash a directory of numbered migrations (sqlx, diesel, golang-migrate, goose, dbmate, Flyway, Prisma)"));
    }
    let description = match &args.message {
        Some(m) => slug(m),
        None => "squashed".to_owned(),
    };
    if description.is_empty() {
        return Err(Failure::new("the message has no letters or digits to name the migration with")
            .help("`strata squash --to VERSION -m \"initial schema\"`"));
    }
    let squashed = strata_schema::squash::squash(set, through, args.keep).map_err(|e| match e {
        SquashError::Unseen(found) => Failure::new(format!(
            "cannot squash to {}: {}",
            last.name(),
            SquashError::Unseen(found)
        ))
        .found()
        .help(
            "`--carry` runs them in the squash, after the tables, in their order; `--leave-out` writes the squash without them (databases that ran them keep what they did); or squash to a version before them. Nothing was written",
        ),
        other => Failure::new(format!("cannot squash to {}: {other}", last.name())),
    })?;

    let script = |sql: &str| Script { sql: sql.to_owned(), no_transaction: false };
    let plan = Plan {
        up: script(&squashed.up),
        down: script(&squashed.down),
        changes: Vec::new(),
        warnings: Vec::new(),
        suggested_name: description.clone(),
    };
    let (files, _) = files_for(project, last.layout, &last.version, &description, &plan);
    let replaced = &set.migrations[..=through];
    let removed: Vec<PathBuf> = replaced.iter().flat_map(paths_of).collect();
    let replaced_files: Vec<PathBuf> = replaced.iter().map(|m| m.up.path.clone()).collect();
    for p in &removed {
        let gone = if p.is_dir() { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
        gone.map_err(|e| Failure::new(format!("cannot remove `{}`: {e}", shown(p))))?;
    }
    write_files(&files)?;
    let dropped_effects = drop_effects(&project.dir, &replaced_files)?;
    let now =
        strata_schema::MigrationSet::load(&project.dir, None).map_err(|e| Failure::new(e.to_string()))?;
    team::write_sum(&now)?;

    let name = format!("{}_{description}", last.version);
    let written: Vec<PathBuf> = files.into_iter().map(|(p, _)| p).collect();
    let count = replaced.len();
    if args.json {
        let found = |f: &[Found]| {
            f.iter()
                .map(|x| serde_json::json!({ "file": shown(&x.path), "line": x.line, "statement": x.what }))
                .collect::<Vec<_>>()
        };
        outln!(
            "{}",
            serde_json::json!({
                "version": 1,
                "squash": name,
                "replaces": replaced.iter().map(Migration::name).collect::<Vec<_>>(),
                "tables": squashed.tables,
                "written": written.iter().map(|f| shown(f)).collect::<Vec<_>>(),
                "removed": removed.iter().map(|f| shown(f)).collect::<Vec<_>>(),
                "idle": found(&squashed.idle),
                "carried": if args.keep == Keep::Carry { found(&squashed.unseen) } else { Vec::new() },
                "left_out": if args.keep == Keep::Carry { Vec::new() } else { found(&squashed.unseen) },
                "left_in_place": squashed.left_in_place,
                "effects_removed": dropped_effects,
            })
        );
        return Ok(written);
    }
    outln!(
        "squashed {count} migration{} ({} to {}) into {name}: {} table{}",
        if count == 1 { "" } else { "s" },
        replaced[0].name(),
        last.name(),
        squashed.tables,
        if squashed.tables == 1 { "" } else { "s" }
    );
    if !squashed.idle.is_empty() {
        outln!("left out, as they change nothing on a new, empty database:");
        for f in &squashed.idle {
            outln!("  {}:{}: {}", shown(&f.path), f.line, f.what);
        }
    }
    if !squashed.unseen.is_empty() {
        let doing =
            if args.keep == Keep::Carry { "carried (run after the tables)" } else { "left out, as asked" };
        outln!("{doing}:");
        for f in &squashed.unseen {
            outln!("  {}:{}: {}", shown(&f.path), f.line, f.what);
        }
    }
    if !squashed.left_in_place.is_empty() {
        outln!("the down leaves in place what these made (drop them by hand if a revert must):");
        for l in &squashed.left_in_place {
            outln!("  {l}");
        }
    }
    outln!("removed the files of the {count} migration{}", if count == 1 { "" } else { "s" });
    for n in &dropped_effects {
        outln!("removed strata.toml's [[effect]] for {n}: the squash renders what it said");
    }
    for f in &written {
        outln!("created {}", shown(f));
    }
    outln!(
        "databases that applied the {count} count the squash as applied; a new database runs it instead. A database part-way through them must reach {} with a release from before the squash.",
        last.name()
    );
    if args.keep == Keep::Carry && !squashed.unseen.is_empty() {
        outln!(
            "note: the replay cannot prove what the carried statements do; apply the squash to a new database (`strata up` on an empty one, or your round-trip test) before you commit it"
        );
    }
    Ok(written)
}

/// The migration `text` names: its version (as written, or as the history stores it), its
/// name, or a prefix of its name only it has.
fn find(migrations: &[Migration], text: &str) -> Result<usize, Failure> {
    if let Some(i) = migrations
        .iter()
        .position(|m| m.version == text || m.version_number.to_string() == text || m.name() == text)
    {
        return Ok(i);
    }
    let by_prefix: Vec<usize> =
        (0..migrations.len()).filter(|i| migrations[*i].name().starts_with(text)).collect();
    match by_prefix.as_slice() {
        [one] => Ok(*one),
        [] => Err(Failure::new(format!("no migration has version `{text}`"))
            .help(format!("`{} history` lists the migrations", crate::cli::output::command()))),
        many => Err(Failure::new(format!(
            "`{text}` could be {}",
            many.iter().map(|i| format!("`{}`", migrations[*i].name())).collect::<Vec<_>>().join(", ")
        ))
        .help("give more of the version")),
    }
}

/// What holds a migration on disk: its files, or its folder (diesel, Prisma), with Flyway's
/// settings beside its scripts.
fn paths_of(m: &Migration) -> Vec<PathBuf> {
    if matches!(m.layout, Layout::Diesel | Layout::Prisma) {
        return m.up.path.parent().map(Path::to_path_buf).into_iter().collect();
    }
    let mut out = vec![m.up.path.clone()];
    if let Some(d) = m.down.as_ref().filter(|d| d.path != m.up.path) {
        out.push(d.path.clone());
    }
    if m.layout == Layout::Flyway {
        let conf: Vec<PathBuf> = out
            .iter()
            .map(|p| PathBuf::from(format!("{}.conf", p.display())))
            .filter(|c| c.is_file())
            .collect();
        out.extend(conf);
    }
    out
}

/// Removes from `strata.toml` each `[[effect]]` whose file is one of `files` (the squash
/// renders what it said); returns the files they named.
fn drop_effects(dir: &Path, files: &[PathBuf]) -> Result<Vec<String>, Failure> {
    let path = dir.join(strata_schema::CONFIG_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(Vec::new()) };
    // The file cut at each table header: an `[[effect]]` block runs to the next header.
    let mut blocks: Vec<String> = vec![String::new()];
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('[') {
            blocks.push(String::new());
        }
        blocks.last_mut().expect("one block").push_str(line);
    }
    let mut dropped = Vec::new();
    let kept: String = blocks
        .into_iter()
        .filter(|b| {
            if !b.trim_start().starts_with("[[effect]]") {
                return true;
            }
            // `file = "..."`, as strata.toml's effects are written (a name has no escapes).
            let file = b.lines().find_map(|l| {
                let value = l.trim().strip_prefix("file")?.trim_start().strip_prefix('=')?.trim();
                let value = value.split(" #").next().unwrap_or(value).trim();
                value.strip_prefix(['"', '\''])?.strip_suffix(['"', '\'']).map(str::to_owned)
            });
            match file {
                Some(f) if files.iter().any(|p| p.ends_with(&f)) => {
                    dropped.push(f);
                    false
                }
                _ => true,
            }
        })
        .collect();
    if !dropped.is_empty() {
        std::fs::write(&path, kept)
            .map_err(|e| Failure::new(format!("cannot write `{}`: {e}", shown(&path))))?;
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    /// An `[[effect]]` of a squashed file goes from strata.toml; the rest of it stays as written.
    #[test]
    fn the_effects_of_squashed_files_go_from_strata_toml() {
        let dir = std::env::temp_dir().join(format!("strata-squash-effects-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let toml = "dialect = \"postgres\" # ours\n\n[[effect]]\nfile = \"1_a.up.sql\"\nline = 3\nsql = \"CREATE TABLE t (a INT)\"\n\n[[effect]]\nfile = '2_b.up.sql' # kept\nline = 1\n\n[lint]\nallow = [\"x\"]\n";
        std::fs::write(dir.join("strata.toml"), toml).expect("writes");
        let dropped = super::drop_effects(&dir, &[dir.join("1_a.up.sql")]).expect("edits");
        assert_eq!(dropped, ["1_a.up.sql"]);
        let now = std::fs::read_to_string(dir.join("strata.toml")).expect("reads");
        assert_eq!(
            now,
            "dialect = \"postgres\" # ours\n\n[[effect]]\nfile = '2_b.up.sql' # kept\nline = 1\n\n[lint]\nallow = [\"x\"]\n"
        );
        assert!(super::drop_effects(&dir, &[dir.join("3_c.up.sql")]).expect("reads").is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
