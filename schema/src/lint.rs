//! The linter: rules that read the schema the history has built before each statement.
//!
//! [`lint`] replays a history statement by statement (the replay's own walk, see
//! [`crate::replay`]) and shows each statement of the migrations being linted to every rule,
//! with the schema just before it, the tables that are new in the batch, the transaction the
//! statement runs in, and the oldest server the migrations must run on. A rule is a function
//! in [`rules`]; the registry [`RULES`] lists them, and docs/lint.md has a section for each.

mod rules;
mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

pub use rules::RULES;

use crate::migrations::MigrationSet;
use crate::{Dialect, ReplayError};

/// How much a rule's findings matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not run.
    Off,
    /// Reported; does not fail `strata lint` or `strata check`.
    Warn,
    /// Reported, and fails `strata lint` and `strata check`.
    Error,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warn => "warning",
            Level::Error => "error",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "off" | "allow" => Ok(Level::Off),
            "warn" | "warning" => Ok(Level::Warn),
            "error" | "deny" => Ok(Level::Error),
            other => Err(format!("`{other}` is not a lint level: use `error`, `warn` or `off`")),
        }
    }
}

/// One rule: its id, what it catches in a line, the dialects it reads, its level unless
/// `strata.toml` says otherwise, and the function that reads a statement.
pub struct Rule {
    pub id: &'static str,
    pub summary: &'static str,
    pub dialects: &'static [Dialect],
    pub level: Level,
    pub(crate) check: fn(&walk::Cx<'_>, &mut Vec<walk::Hit>),
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).field("level", &self.level).finish_non_exhaustive()
    }
}

/// The rule of `id`, if there is one.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// The id under which the linter reports its own findings about `strata:allow` comments.
pub const ALLOW_RULE: &str = "allow-comment";

/// What a rule found at a statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub level: Level,
    /// The up file.
    pub path: PathBuf,
    /// The migration's version, as the history table stores it.
    pub version: i64,
    pub line: u64,
    pub column: u64,
    pub message: String,
    /// The safe way to do the same, when there is one.
    pub help: Option<String>,
    /// The source line the finding points into.
    pub source_line: String,
}

/// The server the migrations must run on, at its oldest: rules that depend on a version read
/// it (a default that rewrites the table before PostgreSQL 11, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    pub product: Product,
    /// `(major, minor, patch)`.
    pub version: (u32, u32, u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    Postgres,
    Mysql,
    Mariadb,
    Sqlite,
}

impl Server {
    /// The oldest server strata assumes when `strata.toml` does not say: PostgreSQL 13,
    /// MySQL 8.0, SQLite 3.35 (older ones are out of their makers' support, or, for SQLite,
    /// older than what sqlx bundles).
    pub fn default_for(dialect: Dialect) -> Self {
        match dialect {
            Dialect::Postgres => Server { product: Product::Postgres, version: (13, 0, 0) },
            Dialect::Mysql => Server { product: Product::Mysql, version: (8, 0, 0) },
            Dialect::Sqlite => Server { product: Product::Sqlite, version: (3, 35, 0) },
        }
    }

    /// Reads `postgres 14`, `mysql 8.0.29`, `mariadb 10.6`, `sqlite 3.38` (the product may be
    /// left out where the dialect implies it: `14`).
    pub fn parse(dialect: Dialect, text: &str) -> Result<Self, String> {
        let mut words = text.split_whitespace();
        let (product, version) = match (words.next(), words.next(), words.next()) {
            (Some(v), None, _) => (Self::default_for(dialect).product, v),
            (Some(p), Some(v), None) => {
                let product = match p.to_ascii_lowercase().as_str() {
                    "postgres" | "postgresql" => Product::Postgres,
                    "mysql" => Product::Mysql,
                    "mariadb" => Product::Mariadb,
                    "sqlite" => Product::Sqlite,
                    other => {
                        return Err(format!(
                            "`{other}` is not a server strata knows: use postgres, mysql, mariadb or sqlite"
                        ));
                    }
                };
                (product, v)
            }
            _ => return Err(format!("`{text}` is not a server and version, such as `postgres 14`")),
        };
        let fits = matches!(
            (dialect, product),
            (Dialect::Postgres, Product::Postgres)
                | (Dialect::Mysql, Product::Mysql | Product::Mariadb)
                | (Dialect::Sqlite, Product::Sqlite)
        );
        if !fits {
            return Err(format!("`{text}` is not a {} server", dialect.title()));
        }
        let mut parts = version.split('.').map(|p| p.parse::<u32>());
        let mut next = || parts.next().transpose().map(Option::unwrap_or_default);
        match (next(), next(), next()) {
            (Ok(major), Ok(minor), Ok(patch)) if major > 0 => {
                Ok(Server { product, version: (major, minor, patch) })
            }
            _ => Err(format!("`{version}` is not a version such as `14` or `8.0.29`")),
        }
    }

    /// Whether the server is at least `version`.
    pub fn at_least(&self, version: (u32, u32, u32)) -> bool {
        self.version >= version
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.product {
            Product::Postgres => "PostgreSQL",
            Product::Mysql => "MySQL",
            Product::Mariadb => "MariaDB",
            Product::Sqlite => "SQLite",
        };
        let (a, b, c) = self.version;
        match (b, c) {
            (0, 0) if self.product == Product::Postgres => write!(f, "{name} {a}"),
            (_, 0) => write!(f, "{name} {a}.{b}"),
            _ => write!(f, "{name} {a}.{b}.{c}"),
        }
    }
}

/// What to lint and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The versions to lint, linted as one batch: tables any of them creates count as new
    /// (empty) in the ones after. `None`: every migration, each its own batch.
    pub only: Option<BTreeSet<i64>>,
    pub server: Server,
    /// Levels that differ from the rules' own, by rule id.
    pub levels: BTreeMap<String, Level>,
}

impl Options {
    /// Every migration, with `strata.toml`'s `[lint]` settings.
    pub fn from_config(set: &MigrationSet) -> Result<Self, String> {
        let dialect = set.config.dialect;
        let server = match &set.config.lint.server {
            Some(s) => Server::parse(dialect, s).map_err(|e| format!("[lint] server: {e}"))?,
            None => Server::default_for(dialect),
        };
        let mut levels = BTreeMap::new();
        for (id, level) in &set.config.lint.levels {
            if rule(id).is_none() && id != ALLOW_RULE {
                return Err(format!("[lint.levels]: {}", unknown_rule(id)));
            }
            let level = level.parse().map_err(|e| format!("[lint.levels] {id}: {e}"))?;
            levels.insert(id.clone(), level);
        }
        Ok(Options { only: None, server, levels })
    }

    /// The level `rule` runs at.
    pub fn level(&self, rule: &Rule) -> Level {
        self.levels.get(rule.id).copied().unwrap_or(rule.level)
    }
}

/// The words for a rule id no rule has, with the closest one.
pub(crate) fn unknown_rule(id: &str) -> String {
    let close = RULES.iter().map(|r| r.id).find(|r| r.contains(id) || id.contains(r));
    match close {
        Some(r) => format!("no lint rule is named `{id}` (did you mean `{r}`?); docs/lint.md lists them"),
        None => format!("no lint rule is named `{id}`; docs/lint.md lists them"),
    }
}

/// Lints the up files of `set` that `options` names, in history order. A statement the replay
/// cannot apply stops the lint, as it stops the replay.
pub fn lint(set: &MigrationSet, options: &Options) -> Result<Vec<Finding>, ReplayError> {
    let mut walker = walk::Linter::new(set.config.dialect, options);
    crate::replay::walk(set, &mut walker)?;
    Ok(walker.into_findings())
}

#[cfg(test)]
mod tests;
