//! The commands that work on a project's files and need no database: `init`, `generate`,
//! `check`, `renumber`, `models`, `erd`. They read the models from the crate's sources with the
//! derive's own code, so they work while the crate does not compile.

mod check;
mod generate;
mod inspect;
pub mod lint;
mod squash;
mod team;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use strata_schema::plan::{Enums, Target};
use strata_schema::{Config, Dialect, EnumDef, EnumType, MigrationSet, ModelDef, Schema};

pub use check::{Finding, Report, check};
pub use generate::{Generate, Generated, generate};
pub use inspect::{Format, erd, models_from_database, models_from_migrations};
pub use squash::{Squash, squash};
pub use strata_schema::squash::Keep;
pub use team::{hash, head_names as heads, heads_json, refuse_stale, renumber};

use super::Failure;
use super::output::outln;

/// A migrations directory and the crate around it.
#[derive(Debug)]
pub struct Project {
    /// The migrations directory.
    pub dir: PathBuf,
    /// The directory as messages show it (relative to where the command runs when it can be).
    pub shown: String,
    /// The crate whose `src/` holds the models: the directory's parent.
    pub crate_dir: PathBuf,
    config: Config,
    /// Read on first use, so that `check` and `generate` read the models meanwhile.
    set: OnceLock<Result<MigrationSet, Failure>>,
    /// The directory whose models this one describes too, when it is one that directory's
    /// `strata.toml` names under `also`.
    owner: Option<PathBuf>,
}

/// The models read from source, and what they want.
pub type Modeled = (Sources, Wanted);

/// What the crate's sources declare: its models and its database enums.
#[derive(Debug, Default)]
pub struct Sources {
    pub models: Vec<Found>,
    pub enums: Vec<FoundEnum>,
}

/// A model read from source, with the file it is in.
#[derive(Debug)]
pub struct Found {
    pub def: ModelDef,
    pub file: PathBuf,
}

/// An enum with `#[derive(DbEnum)]` read from source, with the file it is in.
#[derive(Debug)]
pub struct FoundEnum {
    pub def: EnumDef,
    pub file: PathBuf,
}

/// The tables the models want, and the PostgreSQL enum types their columns use.
#[derive(Debug, Default)]
pub struct Wanted {
    pub targets: Vec<Target>,
    pub enums: Enums,
}

impl Project {
    /// Opens `dir`, or finds `migrations/` here or in a parent directory.
    pub fn open(dir: Option<&Path>) -> Result<Project, Failure> {
        let dir = match dir {
            Some(d) => d.to_owned(),
            None => find_dir()?,
        };
        let config = match Config::load(&dir) {
            Ok(Some(c)) => c,
            Ok(None) => {
                return Err(Failure::new(format!("`{}` has no `strata.toml`", shown(&dir)))
                    .help(format!("`strata init --dir {}` creates it, with the dialect", shown(&dir))));
            }
            Err(e) => return Err(Failure::new(e.to_string())),
        };
        let crate_dir = std::fs::canonicalize(&dir)
            .ok()
            .and_then(|d| d.parent().map(Path::to_owned))
            .unwrap_or_else(|| PathBuf::from("."));
        // A directory another one names under `also` (`migrations/`, beside it): that one's
        // models are this one's, and so is its crate.
        let owner = std::fs::canonicalize(&dir).ok().and_then(|me| {
            let parent = me.parent()?;
            let primary = parent.join("migrations");
            let config = Config::load(&primary).ok()??;
            config
                .also
                .iter()
                .any(|a| std::fs::canonicalize(primary.join(a)).is_ok_and(|a| a == me))
                .then_some(primary)
        });
        Ok(Project { shown: shown(&dir), dir, crate_dir, config, set: OnceLock::new(), owner })
    }

    /// The directories `strata.toml` names under `also`: the same models' migrations for
    /// other databases, each opened as a project of its own.
    pub fn also(&self) -> Result<Vec<Project>, Failure> {
        let mut out = Vec::new();
        for dir in self.config.also_dirs(&self.dir) {
            if !dir.join(strata_schema::CONFIG_FILE).is_file() {
                return Err(Failure::new(format!(
                    "`{}` names `{}` under `also`, which has no `strata.toml`",
                    shown(&self.dir.join(strata_schema::CONFIG_FILE)),
                    shown(&dir)
                ))
                .help(format!("`strata init --dir {} --dialect ...` creates it", shown(&dir))));
            }
            let mut p = Project::open(Some(&dir))?;
            p.owner = Some(self.dir.clone());
            p.crate_dir = self.crate_dir.clone();
            out.push(p);
        }
        Ok(out)
    }

    pub fn dialect(&self) -> Dialect {
        self.config.dialect
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The migrations, read once: their files, versions and checksums.
    pub fn set(&self) -> Result<&MigrationSet, Failure> {
        self.set
            .get_or_init(|| {
                let migrations = strata_schema::migrations::discover(&self.dir)
                    .map_err(|e| Failure::new(e.to_string()))?;
                Ok(MigrationSet { dir: self.dir.clone(), config: self.config.clone(), migrations })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The schema the migrations build, normalised, or the replay's error at its file, line and
    /// column.
    pub fn replayed(&self) -> Result<Schema, Failure> {
        let mut schema = self.replayed_raw()?;
        schema.normalize(self.dialect());
        Ok(schema)
    }

    /// The schema as the replay leaves it, before normalising: what the planner starts from.
    pub fn replayed_raw(&self) -> Result<Schema, Failure> {
        let store = strata_schema::stored::Store::for_dir(&self.crate_dir);
        strata_schema::stored::replay(self.set()?, store.as_ref()).map_err(|e| replay_failure(&e))
    }

    /// The schema the migrations build, normalised, and every down that does not give back the
    /// schema before its up (see `strata_schema::downs`).
    pub fn replayed_proving(&self) -> Result<(Schema, Vec<strata_schema::downs::Unrestored>), Failure> {
        let store = strata_schema::stored::Store::for_dir(&self.crate_dir);
        let (mut schema, found) = strata_schema::stored::replay_proving(self.set()?, store.as_ref())
            .map_err(|e| replay_failure(&e))?;
        schema.normalize(self.dialect());
        Ok((schema, found))
    }

    /// The models and the tables they want, read on this thread, beside the migrations read
    /// and replayed (`replayed_raw` when `raw`) on another: the two halves of `check` and
    /// `generate` overlap. The models are read here because their spans resolve only on the
    /// thread that parsed them.
    pub fn models_beside<R: Send>(&self, replay: impl FnOnce() -> R + Send) -> (Result<Modeled, Failure>, R) {
        std::thread::scope(|s| {
            let replay = s.spawn(replay);
            let models = self.models().and_then(|m| self.targets(&m).map(|t| (m, t)));
            (models, replay.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        })
    }

    /// Where the models are: the crate's `src/`, and the directories `strata.toml` names.
    pub fn sources(&self) -> Vec<PathBuf> {
        let mut out = vec![self.crate_dir.join("src")];
        out.extend(self.config().models.iter().map(|m| self.dir.join(m)));
        out
    }

    /// Every model of this directory, and every database enum of the sources, read from
    /// source; every mistake in them at once, each at its file, line and column.
    pub fn models(&self) -> Result<Sources, Failure> {
        let mut files = Vec::new();
        for s in self.sources() {
            strata_schema::model::rust_files(&s, &mut files);
        }
        files.sort();
        files.dedup();
        let mut found = Sources::default();
        let mut errors: Vec<Failure> = Vec::new();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else { continue };
            // Item by item, each dropped once read. A file that does not parse is rustc's to
            // report; its models are not ours to guess, so nothing of it is kept.
            let (mut models, mut enums, mut wrong) = (Vec::new(), Vec::new(), Vec::new());
            let parsed = strata_schema::model::each_item(&text, |item| {
                let item = std::slice::from_ref(item);
                for m in strata_schema::model::models_in_items(item) {
                    match m {
                        Ok(def) if self.owns(&def) => models.push(Found { def, file: f.clone() }),
                        Ok(_) => {}
                        Err(es) => wrong.extend(es),
                    }
                }
                for e in strata_schema::model::enums_in_items(item) {
                    match e {
                        Ok(def) => enums.push(FoundEnum { def, file: f.clone() }),
                        Err(es) => wrong.extend(es),
                    }
                }
            });
            if parsed.is_err() {
                continue;
            }
            found.models.append(&mut models);
            found.enums.append(&mut enums);
            errors.extend(wrong.into_iter().map(|e| model_error(&f, &text, &e.message, e.span)));
        }
        if let Some(mut first) = errors.first().cloned() {
            for e in &errors[1..] {
                first.notes.push(format!("also: {}", e.message));
                if let Some(at) = &e.location {
                    first.notes.push(format!("  at {at}"));
                }
            }
            return Err(first.help("fix the model; `cargo build` shows the same errors"));
        }
        Ok(found)
    }

    /// Where this project keeps what a run stores for the next (see `strata_schema::stored`).
    pub fn store(&self) -> Option<strata_schema::stored::Store> {
        strata_schema::stored::Store::for_dir(&self.crate_dir)
    }

    /// The key under which the models of this project's sources are stored: this strata (the
    /// executable and the schema crate's build), the project's places and configuration, and
    /// every source file's path and bytes. `None` when the executable cannot be found.
    pub fn sources_key(&self) -> Option<String> {
        let exe = std::env::current_exe().ok()?;
        let meta = std::fs::metadata(&exe).ok()?;
        let mut text = format!(
            "{}\0{}\0{:?}\0{:?}\0{}\0{}\0{:?}",
            exe.display(),
            meta.len(),
            meta.modified().ok(),
            strata_schema::stored::BUILD,
            self.dir.display(),
            self.crate_dir.display(),
            self.config,
        );
        let mut files = Vec::new();
        for s in self.sources() {
            strata_schema::model::rust_files(&s, &mut files);
        }
        files.sort();
        files.dedup();
        for f in files {
            let bytes = std::fs::read(&f).ok()?;
            text.push_str(&format!("\0{}\0", f.display()));
            text.push_str(&strata_schema::migrations::hex(&strata_schema::migrations::sqlx_checksum_bytes(
                &bytes,
            )));
        }
        Some(strata_schema::migrations::hex(&strata_schema::migrations::sqlx_checksum(&text)))
    }

    /// Whether a model's migrations are this directory (`#[strata(migrations = "...")]` is
    /// relative to the crate).
    fn owns(&self, def: &ModelDef) -> bool {
        let dir = self.owner.as_ref().unwrap_or(&self.dir);
        let Some((path, _)) = &def.migrations else {
            return dir.file_name().is_some_and(|n| n == "migrations");
        };
        let (a, b) = (std::fs::canonicalize(self.crate_dir.join(path)), std::fs::canonicalize(dir));
        matches!((a, b), (Ok(a), Ok(b)) if a == b)
    }

    /// The tables the models want, in this directory's dialect, and the PostgreSQL enum types
    /// their columns use. A `db_enum` field finds its enum by the name of its type.
    pub fn targets(&self, sources: &Sources) -> Result<Wanted, Failure> {
        let mut out = Wanted::default();
        let mut errors = Vec::new();
        let used = std::cell::RefCell::new(Vec::<&FoundEnum>::new());
        let lookup = |f: &strata_schema::model::FieldDef| -> Result<EnumType, String> {
            let name = f.type_name();
            let key = strata_schema::model::type_key(&f.ty).unwrap_or_default();
            let found: Vec<&FoundEnum> = sources.enums.iter().filter(|e| e.def.ident == key).collect();
            match found.as_slice() {
                [] => Err(format!(
                    "strata cannot see the variants of `{name}`: no enum `{key}` with `#[derive(strata::DbEnum)]` is in {}",
                    self.sources().iter().map(|s| format!("`{}`", shown(s))).collect::<Vec<_>>().join(", ")
                )),
                [one] => {
                    used.borrow_mut().push(one);
                    Ok(one.def.to_type())
                }
                [a, b, ..] => Err(format!(
                    "two enums named `{key}` derive `DbEnum` (in `{}` and `{}`); strata finds a field's enum by its name, so rename one",
                    shown(&a.file),
                    shown(&b.file)
                )),
            }
        };
        for m in &sources.models {
            match Target::from_model(&m.def, self.dialect(), &lookup) {
                Ok(t) => out.targets.push(t),
                Err(es) => {
                    let text = std::fs::read_to_string(&m.file).unwrap_or_default();
                    errors.extend(es.into_iter().map(|e| model_error(&m.file, &text, &e.message, e.span)));
                }
            }
        }
        if self.dialect() == Dialect::Postgres {
            for e in used.into_inner() {
                let name = e.def.name.to_ascii_lowercase();
                match out.enums.get(&name) {
                    Some(values) if *values != e.def.values => errors.push(located(
                        &e.file,
                        format!("two enums are the PostgreSQL type `{name}`, with different values; give one another `#[strata(name = \"...\")]`"),
                        e.def.ident.span(),
                    )),
                    _ => {
                        out.enums.insert(name, e.def.values.clone());
                    }
                }
            }
        }
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// A migrator over the directory as it is on disk.
    pub fn migrator(&self) -> Result<crate::Migrator, Failure> {
        Ok(crate::Migrator::from_set(self.set()?))
    }
}

/// A message about the source at `span` of `file`, as rustc shows it.
fn located(file: &Path, message: String, span: proc_macro2::Span) -> Failure {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    model_error(file, &text, &message, span)
}

/// A replay's error as rustc shows one, with the line it is on.
pub(crate) fn replay_failure(e: &strata_schema::ReplayError) -> Failure {
    let mut f = Failure::new(e.message.clone()).at(format!("{}:{}:{}", shown(&e.path), e.line, e.column));
    f.excerpt = e.excerpt();
    f.help("strata replays every migration to know the schema; see docs/replay.md for what it reads")
}

/// A model's mistake as rustc shows it, with the line it is on.
fn model_error(file: &Path, text: &str, message: &str, span: proc_macro2::Span) -> Failure {
    let start = span.start();
    let mut f =
        Failure::new(message.to_owned()).at(format!("{}:{}:{}", shown(file), start.line, start.column + 1));
    if let Some(line) = text.lines().nth(start.line.saturating_sub(1)) {
        let number = start.line.to_string();
        let pad = " ".repeat(number.len());
        let end = span.end();
        let width = if end.line == start.line { end.column.saturating_sub(start.column).max(1) } else { 1 };
        f.excerpt = vec![
            format!("{pad} |"),
            format!("{number} | {line}"),
            format!("{pad} | {}{}", " ".repeat(start.column), "^".repeat(width)),
        ];
    }
    f
}

/// `migrations/` here, or in the nearest parent that has one with a `strata.toml`.
fn find_dir() -> Result<PathBuf, Failure> {
    let here = PathBuf::from("migrations");
    if here.join(strata_schema::CONFIG_FILE).is_file() {
        return Ok(here);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Failure::new(format!("cannot read the current directory: {e}")))?;
    for d in cwd.ancestors().skip(1) {
        let m = d.join("migrations");
        if m.join(strata_schema::CONFIG_FILE).is_file() {
            return Ok(m);
        }
    }
    Err(Failure::new("no `migrations/strata.toml` here or in a parent directory")
        .help("run `strata init` in the crate (or pass `--dir <migrations directory>`)"))
}

/// A path as messages show it: relative to the current directory when it is under it.
/// Diesel's folder name for a migration: `2026-01-01-120000_add_users`.
fn diesel_folder(version: i64, description: &str) -> String {
    let v = version.to_string();
    format!("{}-{}-{}-{}_{description}", &v[..4], &v[4..6], &v[6..8], &v[8..])
}

/// A directory no model describes a table for, and which holds none: said, not taken for a
/// match.
fn no_models(project: &Project) -> Failure {
    Failure::new(format!(
        "no model describes a table for `{}`, and its migrations make none: there is nothing to compare",
        project.shown
    ))
    .at(project.shown.clone())
    .help(if project.dir.file_name().is_some_and(|n| n == "migrations") {
        "describe a table with a `#[derive(Model)]` struct in `src/` (docs/attributes.md), then `strata generate -m \"...\"` writes its migration".to_owned()
    } else {
        format!(
            "a model belongs to the directory named `migrations` beside `src/` unless it says otherwise: `#[strata(table = \"...\", migrations = \"{}\")]` (docs/attributes.md)",
            project.dir.strip_prefix(&project.crate_dir).unwrap_or(&project.dir).display()
        )
    })
    .found()
}

pub(crate) fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path);
    rel.display().to_string()
}

/// `strata renumber --json`: `{"version": 1, "renamed": [{"from", "to"}]}`.
pub fn renames_json(renames: &[(String, String)]) -> String {
    let renamed: Vec<_> =
        renames.iter().map(|(from, to)| serde_json::json!({ "from": from, "to": to })).collect();
    serde_json::json!({ "version": 1, "renamed": renamed }).to_string()
}

/// `strata hash --json`: `{"version": 1, "recorded": [...]}`, each line `strata.sum` recorded.
pub fn recorded_json(recorded: &[String]) -> String {
    serde_json::json!({ "version": 1, "recorded": recorded }).to_string()
}

/// `strata init`: the migrations directory with its `strata.toml` and `strata.sum`.
pub fn init(dir: &Path, dialect: Dialect, json: bool) -> Result<(), Failure> {
    let config = dir.join(strata_schema::CONFIG_FILE);
    if config.exists() {
        return Err(Failure::new(format!("`{}` already exists", shown(&config)))
            .help("edit it, or remove it to start again"));
    }
    std::fs::create_dir_all(dir).map_err(|e| Failure::new(format!("cannot create `{}`: {e}", shown(dir))))?;
    let text = format!(
        "# strata: how to read the migrations in this directory.\ndialect = \"{}\"\n\n# Tables another application owns, which strata never manages (a trailing * matches a prefix).\n# unmanaged = [\"legacy_*\"]\n\n# Where the models are, when they are not in this crate's src/ (relative to this directory).\n# models = [\"../../models/src\"]\n",
        dialect.name()
    );
    std::fs::write(&config, text)
        .map_err(|e| Failure::new(format!("cannot write `{}`: {e}", shown(&config))))?;
    let set = MigrationSet::load(dir, None).map_err(|e| Failure::new(e.to_string()))?;
    team::write_sum(&set)?;
    let existing = set.migrations.len();
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "version": 1,
                "config": shown(&config),
                "sum": shown(&dir.join(strata_schema::integrity::INTEGRITY_FILE)),
                "dialect": dialect.name(),
                "existing": existing,
            })
        );
        return Ok(());
    }
    outln!(
        "created {} ({}) and {}",
        shown(&config),
        dialect.title(),
        shown(&dir.join(strata_schema::integrity::INTEGRITY_FILE))
    );
    if existing > 0 {
        outln!("found {existing} existing migration(s); `strata check` compares them with the models");
    }
    outln!(
        "\nnext:\n  1. add strata to [build-dependencies] and this to build.rs, so that new migration files rebuild:\n       fn main() {{ strata::build::watch_migrations(\"{}\"); }}\n  2. write #[derive(strata::Model)] structs\n  3. strata generate -m \"create tables\"",
        dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "migrations".into())
    );
    Ok(())
}
