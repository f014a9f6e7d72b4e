//! `strata generate`: the next migration, from the models against the replayed migrations.

use std::path::PathBuf;

use strata_schema::migrations::Layout;
use strata_schema::plan::{self, Plan, Script};

use super::{Project, shown, team};
use crate::cli::Failure;
use crate::cli::output::{errln, outln};

/// What `generate` was asked.
#[derive(Debug, Clone, Default)]
pub struct Generate {
    /// `-m`: what the migration does, which names its files.
    pub message: Option<String>,
    /// Write empty files for SQL written by hand.
    pub empty: bool,
    /// Write a data migration whose up runs this Rust function (`crate::data::backfill`).
    pub rust: Option<String>,
    /// Write steps that lose data or can fail on rows.
    pub allow_destructive: bool,
    /// Print what was written as JSON (`"version": 1`) rather than in words.
    pub json: bool,
}

/// What `generate` did: the files written (none when nothing changed), and with `--json`
/// what it says, for the caller to print (one object for every directory written into).
#[derive(Debug, Default)]
pub struct Generated {
    pub written: Vec<PathBuf>,
    pub json: Option<serde_json::Value>,
}

/// Writes the migration; says what it wrote in words, or returns it as JSON with `--json`.
pub fn generate(project: &Project, args: &Generate) -> Result<Generated, Failure> {
    // A changed migration is never recorded again on the way: that takes `strata hash`.
    team::refuse_stale(project, "nothing was written")?;
    if let Some(path) = &args.rust
        && syn::parse_str::<syn::Path>(path).is_err()
    {
        return Err(Failure::new(format!("`{path}` is not a Rust path"))
            .help("name the async function from the crate's root: `--rust crate::data::backfill`"));
    }
    let (plan, changes) = if let Some(path) = &args.rust {
        let up = format!(
            "-- SQL here runs first, in the migration's transaction where the database has one.\n\
             -- `{path}` runs here: an async fn over the migration's connection\n\
             -- (`&mut sqlx::<Db>Connection`) returning `Result<(), E>`, `E: Into<Box<dyn Error + Send + Sync>>`.\n\
             -- The replay takes it for a step that changes no table; one that does says so on the line\n\
             -- before: /* strata:effect <the DDL it runs> */\n\
             {}{path}\n\
             -- SQL here runs after it.\n",
            strata_schema::migrations::RUST
        );
        let down =
            "-- Write the SQL that undoes the up here (a `-- strata:rust <path>` line runs Rust here too).\n";
        let script = |sql: &str| Script { sql: sql.to_owned(), no_transaction: false };
        (
            Plan {
                up: script(&up),
                down: script(down),
                changes: Vec::new(),
                warnings: Vec::new(),
                suggested_name: "data_migration".into(),
            },
            false,
        )
    } else if args.empty {
        let up = "-- Write the up SQL here (a data migration, say). `strata check` replays it.\n";
        let down = "-- Write the SQL that undoes the up here.\n";
        let script = |sql: &str| Script { sql: sql.to_owned(), no_transaction: false };
        (
            Plan {
                up: script(up),
                down: script(down),
                changes: Vec::new(),
                warnings: Vec::new(),
                suggested_name: "data_migration".into(),
            },
            false,
        )
    } else {
        // The models are read while the migrations are read and replayed.
        let (models, schema) = project.models_beside(|| project.replayed_raw());
        let schema = schema?;
        let (sources, wanted) = models?;
        // A key to a table or column that exists nowhere would be written as SQL that fails
        // (PostgreSQL, MySQL) or, on SQLite, a key nothing can satisfy.
        let tables = strata_schema::model::ModelTables::new(wanted.targets.iter().map(|t| &t.table));
        for m in &sources.models {
            if let Some(x) = m.def.dangling_references(&schema, &tables).into_iter().next() {
                return Err(super::located(&m.file, x.message, x.reference.span)
                    .help("correct the name in `references`; nothing was written"));
            }
        }
        let planned = plan::plan(
            project.dialect(),
            &schema,
            &wanted.targets,
            &wanted.enums,
            &project.config().unmanaged,
        )
        .map_err(|e| Failure::new(e.to_string()))?;
        match planned {
            Some(p) => (p, true),
            None if wanted.targets.is_empty() && schema.tables.is_empty() => {
                return Err(super::no_models(project));
            }
            None => {
                let latest = project.set()?.latest().map_or("none yet".to_owned(), |m| m.name());
                if args.json {
                    let json =
                        serde_json::json!({ "version": 1, "changes": [], "written": [], "latest": latest });
                    return Ok(Generated { written: Vec::new(), json: Some(json) });
                }
                outln!(
                    "no changes: the models match the migrations in `{}` (latest: {latest}); nothing written",
                    project.shown
                );
                return Ok(Generated::default());
            }
        }
    };
    for w in &plan.warnings {
        errln!("warning: {w}");
    }
    if !plan.warnings.is_empty() && !args.allow_destructive {
        return Err(Failure::new(format!(
            "not written: {} step{} can lose data or fail on a table with rows",
            plan.warnings.len(),
            if plan.warnings.len() == 1 { "" } else { "s" }
        ))
        .found()
        .note("the warnings above say which")
        .help("review them; `strata generate --allow-destructive` writes the migration anyway"));
    }
    let description = match &args.message {
        Some(m) => slug(m),
        None => plan.suggested_name.clone(),
    };
    if description.is_empty() {
        return Err(Failure::new("the message has no letters or digits to name the migration with")
            .help("`strata generate -m \"add phone to users\"`"));
    }
    let written = write(project, &description, &plan, args.empty || args.rust.is_some())?;
    if args.json {
        let json = serde_json::json!({
            "version": 1,
            "changes": plan.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "written": written.iter().map(|f| shown(f)).collect::<Vec<_>>(),
            "rebuilds": plan.up.no_transaction,
            "warnings": plan.warnings,
        });
        return Ok(Generated { written, json: Some(json) });
    }
    if changes {
        for c in &plan.changes {
            outln!("  {c}");
        }
    }
    for f in &written {
        outln!("created {}", shown(f));
    }
    if plan.up.no_transaction {
        outln!(
            "note: SQLite cannot alter these tables in place; the migration rebuilds them (copying the rows) in its own transaction"
        );
    }
    Ok(Generated { written, json: None })
}

/// The files in the directory's own layout, and `strata.sum` recorded again.
/// A migration written `empty` is recorded open, to be filled in without recording it again.
fn write(project: &Project, description: &str, plan: &Plan, empty: bool) -> Result<Vec<PathBuf>, Failure> {
    let dir = &project.dir;
    let set = project.set()?;
    let layout = set.migrations.last().map_or(Layout::SqlxReversible, |m| m.layout);
    let version = version_after(&set.migrations, layout);
    let (files, up_read) = files_for(project, layout, &version, description, plan);
    write_files(&files)?;
    // The directory as read, and the new migration last (its version is the newest).
    let mut sum = strata_schema::integrity::render(set);
    sum.push_str(&if empty {
        strata_schema::integrity::record_open(&version, description)
    } else {
        strata_schema::integrity::record(
            &version,
            &strata_schema::migrations::checksum(&up_read),
            description,
        )
    });
    sum.push('\n');
    team::write_sum_text(dir, &sum)?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The files of a migration `version`_`description` in `layout`, and its up as discovery will
/// read it (what `strata.sum` records). Says on standard error which direction the layout
/// cannot hold.
pub(super) fn files_for(
    project: &Project,
    layout: Layout,
    version: &str,
    description: &str,
    plan: &Plan,
) -> (Vec<(PathBuf, String)>, String) {
    let dir = &project.dir;
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    // What strata.sum records: the checksum of the up as discovery will read it.
    let mut up_read = plan.up.sql.clone();
    match layout {
        Layout::Goose | Layout::Dbmate => {
            let text = strata_schema::migrations::annotated::render(layout, &plan.up.sql, &plan.down.sql);
            if let Ok(Some(sections)) = strata_schema::migrations::annotated::split(&text) {
                up_read = sections.up;
            }
            files.push((dir.join(format!("{version}_{description}.sql")), text));
        }
        Layout::SqlxReversible | Layout::Named => {
            files.push((dir.join(format!("{version}_{description}.up.sql")), plan.up.sql.clone()));
            files.push((dir.join(format!("{version}_{description}.down.sql")), plan.down.sql.clone()));
        }
        Layout::Flyway => {
            files.push((dir.join(format!("V{version}__{description}.sql")), plan.up.sql.clone()));
            files.push((dir.join(format!("U{version}__{description}.sql")), plan.down.sql.clone()));
        }
        Layout::Prisma => {
            files.push((
                dir.join(format!("{version}_{description}")).join("migration.sql"),
                plan.up.sql.clone(),
            ));
            errln!(
                "note: `{}` holds Prisma's migrations (`<timestamp>_<name>/migration.sql`), which have no down, so none is written",
                project.shown
            );
        }
        Layout::SqlxSimple => {
            files.push((dir.join(format!("{version}_{description}.sql")), plan.up.sql.clone()));
            errln!(
                "note: `{}` holds up-only migrations (sqlx's `<version>_<name>.sql`), so no down file is written",
                project.shown
            );
        }
        Layout::Versioned => {
            let folder = dir.join(format!("v{version}"));
            let file = format!("{description}.sql");
            let manifest = serde_json::json!({
                "CurrVersion": version,
                "MinCompatibleVersion": version,
                "Description": description.replace('_', " "),
                "SchemaUpdateCqlFiles": [file],
            });
            let manifest = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
            files.push((folder.join(&file), plan.up.sql.clone()));
            files.push((folder.join("manifest.json"), manifest));
            errln!(
                "note: `{}` holds versioned folders (`v<major>.<minor>/manifest.json`), which have no down, so none is written",
                project.shown
            );
        }
        Layout::Diesel => {
            let folder = dir.join(super::diesel_folder(version.parse().unwrap_or_default(), description));
            files.push((folder.join("up.sql"), plan.up.sql.clone()));
            files.push((folder.join("down.sql"), plan.down.sql.clone()));
            if plan.up.no_transaction || plan.down.no_transaction {
                files.push((folder.join("metadata.toml"), "run_in_transaction = false\n".to_owned()));
            }
        }
    }
    (files, up_read)
}

/// Writes new files, refusing to write over one.
pub(super) fn write_files(files: &[(PathBuf, String)]) -> Result<(), Failure> {
    for (path, text) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::new(format!("cannot create `{}`: {e}", shown(parent))))?;
        }
        if path.exists() {
            return Err(Failure::new(format!("`{}` already exists", shown(path))));
        }
        std::fs::write(path, text)
            .map_err(|e| Failure::new(format!("cannot write `{}`: {e}", shown(path))))?;
    }
    Ok(())
}

/// `add phone to Users!` -> `add_phone_to_users`.
pub(super) fn slug(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// The version of the next migration, as the directory writes them: in a directory numbered
/// 1, 2, 3 (or 001, 002...), the next number at the same width; else the UTC time (diesel's
/// folders are always timestamps).
fn version_after(migrations: &[strata_schema::Migration], layout: Layout) -> String {
    let newest = migrations.iter().max_by_key(|m| m.version_number);
    if layout == Layout::Versioned
        && let Some(m) = newest
    {
        // `v1.19` (or its second file, `1.19.1`) is followed by `v1.20`.
        let mut parts = m.version.split('.');
        let major = parts.next().unwrap_or("0");
        let minor: u64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        return format!("{major}.{}", minor + 1);
    }
    if layout == Layout::Named
        && let Some(m) = migrations.last()
    {
        // Named in text order: the number of the last name, plus one, at its width.
        let digits = m.version.split('.').next().unwrap_or("0");
        let next = digits.parse::<u64>().unwrap_or(0) + 1;
        return format!("{next:0width$}", width = digits.len());
    }
    match newest {
        Some(m) if layout != Layout::Diesel && m.version_number < 100_000_000 => {
            format!("{:0width$}", m.version_number + 1, width = m.version.len())
        }
        _ => next_version(newest.map(|m| m.version_number)).to_string(),
    }
}

/// The UTC time as `YYYYMMDDHHMMSS`, or one more than the newest version when the clock is
/// behind it, so a new migration always comes last.
pub(super) fn next_version(latest: Option<i64>) -> i64 {
    let now = utc_timestamp(std::time::SystemTime::now());
    match latest {
        Some(l) if l >= now => l + 1,
        _ => now,
    }
}

fn utc_timestamp(t: std::time::SystemTime) -> i64 {
    let secs = t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    ((year * 100 + month) * 100 + day) * 1_000_000
        + (rem / 3600) * 10_000
        + (rem % 3600 / 60) * 100
        + rem % 60
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_in_utc() {
        assert_eq!(super::utc_timestamp(UNIX_EPOCH), 19700101000000);
        // 2026-11-21 09:30:05 UTC
        assert_eq!(super::utc_timestamp(UNIX_EPOCH + Duration::from_secs(1_795_253_405)), 20261121093005);
        assert_eq!(super::utc_timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)), 20000229000000);
    }

    #[test]
    fn slugs() {
        assert_eq!(super::slug("Add phone to Users!"), "add_phone_to_users");
        assert_eq!(super::slug("  --x--y  "), "x_y");
    }

    #[test]
    fn versions_come_after_the_latest() {
        assert_eq!(super::next_version(Some(99991231235959)), 99991231235960);
    }
}
