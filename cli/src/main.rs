//! `strata`: the Alembic workflow over a crate's models and its `migrations/` directory.
//! Argument parsing only; every command is `strata::cli`'s.

// A `Failure` is made at most once per run, to be printed: its size costs nothing.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use strata::cli::project::{self, Format, Generate, Project};
use strata::cli::{Failure, Migrate, MigrateCommand};
use strata::schema::Dialect;

// `print!` and `println!`, and `eprint!`, that never panic on a closed pipe (`strata ... | head`).
macro_rules! out {
    ($($t:tt)*) => { strata::cli::write_out(format_args!($($t)*)) };
}
macro_rules! outln {
    ($($t:tt)*) => { strata::cli::write_out(format_args!("{}\n", format_args!($($t)*))) };
}
macro_rules! err {
    ($($t:tt)*) => { strata::cli::write_err(format_args!($($t)*)) };
}

/// Models and migrations that cannot drift apart.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about, propagate_version = true)]
struct Cli {
    /// The migrations directory [default: ./migrations, or the nearest parent's]
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// The database [default: $DATABASE_URL, also read from .env]
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Give up connecting after this many seconds [default: $STRATA_CONNECT_TIMEOUT, else 5]
    #[arg(long, global = true, value_name = "SECONDS")]
    connect_timeout: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

/// How `strata lint` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LintFormat {
    /// rustc's shape, with the line and the safe way
    Human,
    /// One JSON document (docs/lint.md#output-and-exit-codes)
    Json,
    /// SARIF 2.1.0, for code-scanning pages
    Sarif,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the migrations directory with its strata.toml and strata.sum
    Init {
        /// The database the migrations are written for [default: from DATABASE_URL, else sqlite]
        #[arg(long, value_parser = ["sqlite", "postgres", "mysql"])]
        dialect: Option<String>,
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Write the next migration (up and down) from the models, with no database
    Generate {
        /// What the migration does; names its files [default: from the changes]
        #[arg(short, long)]
        message: Option<String>,
        /// Write empty up and down files, for SQL written by hand (a data migration)
        #[arg(long)]
        empty: bool,
        /// Write a data migration whose up runs this async Rust function (`crate::data::backfill`)
        /// over the migration's connection; the application that embeds the migrations runs it
        #[arg(long, value_name = "PATH", conflicts_with = "empty")]
        rust: Option<String>,
        /// Write the migration even if a step drops data or can fail on a table with rows
        #[arg(long)]
        allow_destructive: bool,
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Check that the models match the migrations, with no database (for CI), and lint the
    /// migrations that are new
    Check {
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// Lint the migrations after this version [default: those the main branch's strata.sum
        /// does not list]
        #[arg(long, value_name = "VERSION")]
        since: Option<String>,
    },
    /// Lint migrations against the schema the ones before them build (docs/lint.md)
    Lint {
        /// Versions, migration names or up files to lint, as one batch [default: every migration]
        #[arg(value_name = "MIGRATION")]
        migrations: Vec<String>,
        /// Lint the migrations after this version, as one batch
        #[arg(long, value_name = "VERSION")]
        since: Option<String>,
        /// Lint the migrations the main branch's strata.sum does not list, as one batch
        #[arg(long)]
        new: bool,
        /// Print JSON (the same as --format json)
        #[arg(long)]
        json: bool,
        /// How to print the findings
        #[arg(long, value_enum, default_value_t = LintFormat::Human)]
        format: LintFormat,
    },
    /// Print a completion script for a shell (`strata completions bash > /etc/bash_completion.d/strata`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Show the newest migration, or the two branches' newest when strata.sum is in conflict
    Heads {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Replace the migrations up to a version with one that builds their schema, rendered from
    /// the replay; databases that applied them count it as applied
    Squash {
        /// The newest migration to squash (version, name, or a prefix only one has)
        #[arg(long, value_name = "VERSION")]
        to: String,
        /// Names the squash's files [default: squashed]
        #[arg(short, long)]
        message: Option<String>,
        /// Run the statements whose effect the schema does not show (rows inserted, functions,
        /// triggers, views, grants) in the squash, after the tables, in their order
        #[arg(long, conflicts_with = "leave_out")]
        carry: bool,
        /// Write the squash without those statements (databases that ran them keep what they did)
        #[arg(long)]
        leave_out: bool,
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// After a merge: give this branch's migrations versions after the other branch's
    Renumber {
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Record every migration in strata.sum as it is now, after an edit you mean (never run by
    /// generate on its own)
    Hash {
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Write #[derive(Model)] structs for the schema, to adopt an existing project
    Models {
        /// Read a live database (URL, or DATABASE_URL with no value) instead of the migrations
        #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
        database: Option<String>,
        /// Write to this file instead of standard output
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Draw the schema the migrations build
    Erd {
        #[arg(long, value_enum, default_value_t = Format::Mermaid)]
        format: Format,
    },
    #[command(flatten)]
    Database(MigrateCommand),
}

fn main() -> ExitCode {
    strata::cli::redact_panics();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return report(Err(Failure::new(format!("cannot start: {e}")))),
    };
    report(runtime.block_on(run(cli)))
}

fn report(result: Result<(), Failure>) -> ExitCode {
    strata::cli::exit(result)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let dir = cli.dir.clone();
    let dir = dir.as_deref();
    match cli.command {
        Command::Init { dialect, json } => {
            let dialect = match dialect.as_deref() {
                Some(d) => d.parse::<Dialect>().map_err(Failure::new)?,
                None => dialect_from_env(),
            };
            project::init(dir.unwrap_or("migrations".as_ref()), dialect, json)
        }
        Command::Generate { message, empty, rust, allow_destructive, json } => {
            let p = Project::open(dir)?;
            let args = Generate { message, empty, rust, allow_destructive, json };
            // Into each directory of the models: this one, and those its strata.toml names.
            let also = p.also()?;
            let first = project::generate(&p, &args)?;
            let mut others = Vec::new();
            for other in &also {
                let mut json = project::generate(other, &args)?.json;
                if let Some(j) = json.as_mut() {
                    j["dir"] = other.shown.clone().into();
                }
                others.extend(json);
            }
            if let Some(mut json) = first.json {
                if !also.is_empty() {
                    json["also"] = others.into();
                }
                outln!("{json}");
            }
            Ok(())
        }
        Command::Lint { migrations, since, new, json, format } => {
            let p = Project::open(dir)?;
            let linted = project::lint::lint(&p, &project::lint::Selection { migrations, since, new })?;
            match if json { LintFormat::Json } else { format } {
                LintFormat::Human if linted.errors() > 0 => err!("{}", linted.render()),
                LintFormat::Human => out!("{}", linted.render()),
                LintFormat::Json => outln!("{}", linted.to_json()),
                LintFormat::Sarif => outln!("{}", linted.to_sarif()),
            }
            // The findings are printed; the exit code says the rest.
            if linted.errors() == 0 { Ok(()) } else { Err(Failure::new("").found()) }
        }
        Command::Check { json, since } => {
            let p = Project::open(dir)?;
            // This directory, and each one its strata.toml names under `also`.
            let also = p.also()?;
            let r = project::check(&p, since.as_deref());
            let others: Vec<(String, project::Report)> =
                also.iter().map(|o| (o.shown.clone(), project::check(o, since.as_deref()))).collect();
            let clean = r.is_clean() && others.iter().all(|(_, o)| o.is_clean());
            if json {
                let mut v = r.to_json();
                if !others.is_empty() {
                    v["ok"] = clean.into();
                    v["also"] = others
                        .iter()
                        .map(|(shown, o)| {
                            let mut j = o.to_json();
                            j["dir"] = shown.clone().into();
                            j
                        })
                        .collect::<Vec<_>>()
                        .into();
                }
                outln!("{v}");
            } else {
                for (shown, report) in
                    std::iter::once((&p.shown, &r)).chain(others.iter().map(|(s, o)| (s, o)))
                {
                    if report.is_clean() {
                        out!("{}", report.render(shown));
                    } else {
                        err!("{}", report.render(shown));
                    }
                }
            }
            // The findings are printed; the exit code says the rest.
            if clean { Ok(()) } else { Err(Failure::new("").found()) }
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "strata", &mut script);
            out!("{}", String::from_utf8_lossy(&script));
            Ok(())
        }
        Command::Heads { json } => {
            let p = Project::open(dir)?;
            let heads = project::heads(&p)?;
            if json {
                outln!("{}", project::heads_json(&heads));
            } else if heads.is_empty() {
                outln!("no migrations yet");
            } else {
                for h in &heads {
                    outln!("{h} (head)");
                }
                if heads.len() > 1 {
                    outln!(
                        "note: two branches each added migrations (strata.sum is in conflict); `strata renumber` puts this branch's after the other's"
                    );
                }
            }
            Ok(())
        }
        Command::Squash { to, message, carry, leave_out, json } => {
            let p = Project::open(dir)?;
            let keep = if carry {
                project::Keep::Carry
            } else if leave_out {
                project::Keep::LeaveOut
            } else {
                project::Keep::Refuse
            };
            project::squash(&p, &project::Squash { to, message, keep, json }).map(drop)
        }
        Command::Renumber { json } => {
            let p = Project::open(dir)?;
            let renames = project::renumber(&p)?;
            if json {
                outln!("{}", project::renames_json(&renames));
                return Ok(());
            }
            for (from, to) in &renames {
                outln!("renamed {from} -> {to}");
            }
            if renames.is_empty() {
                outln!(
                    "nothing to move: every migration already comes after the others; strata.sum recorded again"
                );
            } else {
                outln!(
                    "strata.sum recorded again. If a local database applied the old versions, revert them with the old files first, or `strata stamp` it."
                );
            }
            Ok(())
        }
        Command::Hash { json } => {
            let p = Project::open(dir)?;
            let recorded = project::hash(&p)?;
            if json {
                outln!("{}", project::recorded_json(&recorded));
            } else if recorded.is_empty() {
                outln!("strata.sum already records every migration as it is; nothing changed");
            } else {
                for r in &recorded {
                    outln!("recorded: {r}");
                }
                outln!("strata.sum records every migration as it is now");
            }
            Ok(())
        }
        Command::Models { database, output } => {
            let text = match database {
                Some(url) => {
                    let url = Some(url.as_str()).filter(|u| !u.is_empty()).or(cli.database_url.as_deref());
                    // Without a project nothing is unmanaged.
                    let unmanaged =
                        Project::open(dir).map(|p| p.config().unmanaged.clone()).unwrap_or_default();
                    project::models_from_database(url, &unmanaged).await?
                }
                None => project::models_from_migrations(&Project::open(dir)?)?,
            };
            match output {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| Failure::new(format!("cannot write `{}`: {e}", path.display()))),
                None => {
                    out!("{text}");
                    Ok(())
                }
            }
        }
        Command::Erd { format } => {
            let p = Project::open(dir)?;
            let schema = p.replayed()?;
            out!("{}", project::erd(&schema, format));
            Ok(())
        }
        Command::Database(command) => {
            let p = Project::open(dir)?;
            // Listing the history runs nothing; it helps most when the file is in conflict.
            if !matches!(command, MigrateCommand::History { .. }) {
                project::refuse_stale(&p, "nothing was run")?;
            }
            let models = match &command {
                MigrateCommand::Verify { .. } => {
                    let found = p.models()?;
                    p.targets(&found)?.targets.into_iter().map(|t| t.table).collect()
                }
                _ => Vec::new(),
            };
            let migrator = p.migrator()?;
            let args =
                Migrate { database_url: cli.database_url, connect_timeout: cli.connect_timeout, command };
            args.execute(&migrator, models, Some(&p.dir)).await
        }
    }
}

/// The dialect of `DATABASE_URL` (also from `.env`), else SQLite.
fn dialect_from_env() -> Dialect {
    let _ = strata::cli::load_dotenv();
    std::env::var("DATABASE_URL")
        .ok()
        .and_then(|u| strata::cli::dialect_of(&u).ok())
        .unwrap_or(Dialect::Sqlite)
}

// The commands allocate many small values (syntax trees of the models and of 1000s of SQL
// statements): mimalloc makes `strata check` on 1000 migrations a third faster (bench/cli.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
