//! The `strata` commands as a library (feature `cli`): what the `strata` binary runs, and what an
//! application mounts under its own binary over the migrations it embeds, so that a container
//! needs nothing but the application:
//!
//! ```no_run
//! # #[cfg(feature = "sqlite")] {
//! use clap::Parser;
//!
//! static MIGRATOR: strata::Migrator = strata::Migrator::new(&[]); // strata::embed_migrations!()
//!
//! #[derive(Parser)]
//! enum App {
//!     /// Serve requests
//!     Serve,
//!     /// Apply, revert and inspect the migrations this binary embeds
//!     Migrate(strata::cli::Migrate),
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     match App::parse() {
//!         App::Serve => std::process::ExitCode::SUCCESS,
//!         // `myapp migrate up`, `myapp migrate status --json`, `myapp migrate down -1`, ...
//!         App::Migrate(m) => m.run(&MIGRATOR).await,
//!     }
//! }
//! # }
//! ```

// A `Failure` is made at most once per command, to be printed: its size costs nothing.
#![allow(clippy::result_large_err)]

mod db;
mod fleet;

pub use db::dialect_of;
mod output;
pub mod project;

use std::process::ExitCode;

pub use output::{Failure, exit, redact, redact_panics, write_err, write_out};

use crate::Migrator;

/// Reads `.env` into the environment (variables already set win), as every command does
/// before it looks for `DATABASE_URL`.
pub fn load_dotenv() -> Option<std::path::PathBuf> {
    dotenvy::dotenv().ok()
}

/// `migrate` and its subcommands: the commands that talk to a database. The database is
/// `--database-url`, else `DATABASE_URL`, also read from a `.env` file.
#[derive(Debug, Clone, clap::Args)]
pub struct Migrate {
    /// The database to migrate [default: $DATABASE_URL, also read from .env]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Give up connecting after this many seconds [default: $STRATA_CONNECT_TIMEOUT, else 5]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub connect_timeout: Option<u64>,
    #[command(subcommand)]
    pub command: MigrateCommand,
}

/// The commands that read or change a database's migration history.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum MigrateCommand {
    /// Apply pending migrations: all of them (head), the next N (+N), or up to a version
    Up {
        /// `head` (the default), `+N`, or a version
        #[arg(value_name = "TARGET")]
        target: Option<String>,
        /// Apply up to and including this version
        #[arg(long, value_name = "VERSION", conflicts_with = "target")]
        to: Option<String>,
        /// Apply a pending migration even when a newer one is already applied
        #[arg(long)]
        out_of_order: bool,
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Revert applied migrations: the newest (-1, the default), the newest N (-N), all of them
    /// (base), or every one after a version
    Down {
        /// `-N`, `base`, or a version to go back to (kept)
        #[arg(value_name = "TARGET", allow_hyphen_values = true)]
        target: Option<String>,
        /// Revert every migration after this version
        #[arg(long, value_name = "VERSION", conflicts_with = "target")]
        to: Option<String>,
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Show every migration, applied or pending, and where the database stands
    Status {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show the version the database is at
    Current {
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// List the migrations, oldest first (needs no database)
    History {
        /// Each migration's description, reversibility, transaction modes and checksum
        #[arg(short, long)]
        verbose: bool,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Record the database as being at a version without running any SQL
    Stamp {
        /// `head`, `base`, or a version
        #[arg(value_name = "TARGET")]
        target: String,
        /// Record it even when the database does not hold what the migrations make there
        #[arg(long)]
        force: bool,
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Take over the history of the tool that migrated the database (diesel, golang-migrate,
    /// dbmate, goose, Flyway, Prisma): prove the schema is what its recorded migrations make,
    /// and record them in strata's history (the tool's table is left as it is)
    Adopt {
        /// The tool, when the database holds the history of more than one
        #[arg(long, value_name = "TOOL", value_parser = ["diesel", "golang-migrate", "migrate", "dbmate", "goose", "flyway", "prisma"])]
        from: Option<String>,
        /// Record it even when the database does not hold what the migrations make there
        #[arg(long)]
        force: bool,
        /// Print what was adopted as JSON (`"version": 1`)
        #[arg(long)]
        json: bool,
    },
    /// Print the SQL script of a range of migrations, history-table statements included, for a
    /// DBA to run (needs no database)
    Sql {
        /// `FROM:TO` (FROM exclusive, either side may be empty), or `TO`; default: base to head
        #[arg(value_name = "RANGE", allow_hyphen_values = true)]
        range: Option<String>,
        /// The script that reverts: `FROM:TO` counts down from FROM (default head) to TO (kept;
        /// default base)
        #[arg(long)]
        down: bool,
    },
    /// Compare the live database with its migrations and the models
    Verify {
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Record in the history the checksum of each applied migration's file as it is now, after
    /// an edit that changes nothing it does (line endings, spacing, comments)
    Repair {
        /// Repair even when the database does not hold what the migrations make now
        #[arg(long)]
        force: bool,
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
    /// Apply the migrations to many databases (a list of URLs, the rows of a query, or the
    /// schemas of one PostgreSQL database), or show where each stands
    Fleet(FleetArgs),
    /// Record what you found or did about a migration that stopped partway (MySQL, or
    /// -- no-transaction on PostgreSQL): it is in
    /// (--done), it is not (--undone), or its first N statements are (--through N)
    Mark {
        /// The migration that stopped partway
        #[arg(value_name = "VERSION")]
        migration: String,
        /// All of it is in the database: record it as applied
        #[arg(long, group = "what")]
        done: bool,
        /// None of it is in the database: record it as not applied
        #[arg(long, group = "what")]
        undone: bool,
        /// Its first N statements are in (of its down file, if it stopped while reverting):
        /// the next run carries on from statement N + 1
        #[arg(long, group = "what", value_name = "N")]
        through: Option<usize>,
        /// Print JSON (`"version": 1`; docs/cli.md)
        #[arg(long)]
        json: bool,
    },
}

/// `fleet`: the targets, how to run over them, and what to do on each.
#[derive(Debug, Clone, clap::Args)]
pub struct FleetArgs {
    /// A file of database URLs, one a line (`#` starts a comment)
    #[arg(long, value_name = "FILE", global = true, group = "source")]
    pub targets: Option<std::path::PathBuf>,
    /// A query on the control database (`--control`, else the database URL) whose rows' first
    /// column is each target's URL
    #[arg(long, value_name = "SQL", global = true, group = "source")]
    pub targets_query: Option<String>,
    /// The database `--targets-query` runs on [default: the database URL]
    #[arg(long, value_name = "URL", global = true, requires = "targets_query")]
    pub control: Option<String>,
    /// The schemas of the PostgreSQL database (the database URL) whose names are LIKE this
    /// pattern (`tenant_%`), each migrated as a database of its own
    #[arg(long, value_name = "PATTERN", global = true, group = "source")]
    pub schemas: Option<String>,
    /// How many targets run at once
    #[arg(short, long, value_name = "N", default_value_t = 4, global = true)]
    pub jobs: usize,
    /// Give up on a target whose migration lock another migrator holds after this many
    /// seconds (0 waits as long as it takes)
    #[arg(long, value_name = "SECONDS", default_value_t = 60, global = true)]
    pub lock_wait: u64,
    /// Print JSON (`"version": 1`; docs/fleet.md)
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: FleetCommand,
}

/// What `fleet` does on each target.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum FleetCommand {
    /// Apply pending migrations on every target: all of them (head), the next N (+N), or up to
    /// a version
    Up {
        /// `head` (the default), `+N`, or a version
        #[arg(value_name = "TARGET")]
        target: Option<String>,
        /// Start no other target once one fails (those running finish); by default every
        /// target runs
        #[arg(long)]
        stop_on_failure: bool,
    },
    /// Revert migrations on every target: the newest (-1, the default), the newest N (-N),
    /// all of them (base), or every one after a version; those this binary does not have (a
    /// release rolled back) with the down SQL stored when they were applied
    Down {
        /// `-N`, `base`, or a version to go back to (kept)
        #[arg(value_name = "TARGET", allow_hyphen_values = true)]
        target: Option<String>,
        /// Start no other target once one fails (those running finish)
        #[arg(long)]
        stop_on_failure: bool,
    },
    /// Show where every target stands (changes nothing)
    Status,
}

impl Migrate {
    /// Runs the command over `migrator`, comparing with the models linked into the binary
    /// (`strata::models()`) where a command needs them; prints what it did, or the error, and
    /// returns the exit code.
    pub async fn run(&self, migrator: &Migrator) -> ExitCode {
        output::mounted_in_this_binary();
        output::redact_panics();
        let models = crate::models().map(crate::TableDef::to_table).collect();
        output::exit(self.execute(migrator, models, None).await)
    }

    /// Runs the command with the models given as tables, and `dir` to name migration files in
    /// messages: what the `strata` binary calls after reading the models from source.
    pub async fn execute(
        &self,
        migrator: &Migrator,
        models: Vec<strata_schema::Table>,
        dir: Option<&std::path::Path>,
    ) -> Result<(), Failure> {
        db::execute(self, migrator, models, dir).await
    }
}
