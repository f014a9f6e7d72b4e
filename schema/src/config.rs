//! `migrations/strata.toml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Dialect;
use crate::migrations::DiscoveryError;

/// The file name strata looks for in a migrations directory.
pub const CONFIG_FILE: &str = "strata.toml";

/// What `strata.toml` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub dialect: Dialect,
    /// Tables strata never manages (another application's, in a shared database). A trailing
    /// `*` matches a prefix.
    pub unmanaged: Vec<String>,
    /// Source directories of the models, when they live outside this crate.
    pub models: Vec<PathBuf>,
    /// `[[effect]]`: what statements strata cannot see into do, said here rather than in a
    /// `strata:effect` comment (for a migration already applied, whose file cannot change).
    pub effects: Vec<Effect>,
    /// `[lint]`: the oldest server the migrations run on, and rule levels.
    pub lint: LintConfig,
    /// `versions = "names"`: a migration's version is its whole file name, ordered as text
    /// (maragudk/migrate's layout), rather than the number before its first `_`.
    pub versions: Versions,
    /// `also = ["../migrations_sqlite"]`: other migrations directories of the same models, each
    /// with its own `strata.toml` (another database's, say), relative to this one. The derive
    /// checks the models against each, `generate` writes into each, `check` covers each.
    pub also: Vec<PathBuf>,
    /// `[timeouts]`: how long each migration waits for a lock and runs, and how often one that
    /// gave up waiting is tried again.
    pub timeouts: crate::timeouts::Timeouts,
}

/// What a migration's version is: see [`Config::versions`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Versions {
    /// The number before the first `_` (sqlx, golang-migrate, goose, dbmate...).
    #[default]
    Numbers,
    /// The whole name before `.up.sql` (or `_up.sql`), compared as text: several files may
    /// share a number (`0001_a`, `0001_b`).
    Names,
}

/// `[lint]` of `strata.toml`, as written; [`crate::lint::Options::from_config`] reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// `server = "postgres 14"`: the oldest server the migrations must run on.
    #[serde(default)]
    pub server: Option<String>,
    /// `[lint.levels]`: `rule-id = "error" | "warn" | "off"`.
    #[serde(default)]
    pub levels: std::collections::BTreeMap<String, String>,
    /// `main = "origin/main"`: the branch whose `strata.sum` says which migrations are
    /// released; `strata check` lints the others. By default the first of `main`,
    /// `origin/main`, `master`, `origin/master` that git knows.
    #[serde(default)]
    pub main: Option<String>,
}

/// One `[[effect]]` of `strata.toml`: the statement that starts on `line` of the migration
/// `file` does what `sql` does (nothing, without `sql`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effect {
    pub file: String,
    pub line: u64,
    #[serde(default)]
    pub sql: Option<String>,
}

impl Effect {
    /// The version of the migration whose up file `file` names: its leading digits (diesel's
    /// dashes left out), as the history table numbers it. `None` for a down file, whose
    /// effects only a replay of that file reads.
    pub fn up_version(&self) -> Option<i64> {
        if self.file.ends_with(".down.sql") || self.file.rsplit('/').next() == Some("down.sql") {
            return None;
        }
        let name = self.file.rsplit('/').find(|p| !p.is_empty() && *p != "up.sql")?;
        let digits: String = name.split('_').next()?.chars().filter(|c| *c != '-').collect();
        digits.parse().ok()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    dialect: String,
    #[serde(default)]
    unmanaged: Vec<String>,
    #[serde(default)]
    models: Vec<PathBuf>,
    #[serde(default)]
    effect: Vec<Effect>,
    #[serde(default)]
    lint: LintConfig,
    #[serde(default)]
    versions: Versions,
    #[serde(default)]
    also: Vec<PathBuf>,
    #[serde(default)]
    timeouts: crate::timeouts::TimeoutsConfig,
}

impl Config {
    pub fn new(dialect: Dialect) -> Self {
        Config {
            dialect,
            unmanaged: Vec::new(),
            models: Vec::new(),
            effects: Vec::new(),
            lint: LintConfig::default(),
            versions: Versions::Numbers,
            also: Vec::new(),
            timeouts: crate::timeouts::Timeouts::DEFAULT,
        }
    }

    /// Reads `dir/strata.toml`; `Ok(None)` when there is none.
    pub fn load(dir: &Path) -> Result<Option<Self>, DiscoveryError> {
        let path = dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(DiscoveryError::Io { path, message: e.to_string() });
            }
        };
        Self::parse(&text).map(Some).map_err(|message| DiscoveryError::Config { path, message })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        Ok(Config {
            dialect: raw.dialect.parse()?,
            unmanaged: raw.unmanaged,
            models: raw.models,
            effects: raw.effect,
            lint: raw.lint,
            versions: raw.versions,
            also: raw.also,
            timeouts: raw.timeouts.timeouts()?,
        })
    }

    /// The directories `also` names, each joined to `dir` (this file's directory) with `..`
    /// taken as written: `migrations` and `../migrations_sqlite` are `migrations_sqlite`.
    pub fn also_dirs(&self, dir: &Path) -> Vec<PathBuf> {
        use std::path::Component;
        self.also
            .iter()
            .map(|rel| {
                let mut out = PathBuf::new();
                for c in dir.components().chain(rel.components()) {
                    match c {
                        Component::ParentDir
                            if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
                        {
                            out.pop();
                        }
                        Component::CurDir => {}
                        c => out.push(c),
                    }
                }
                out
            })
            .collect()
    }

    /// Whether `table` is one that strata leaves alone.
    pub fn is_unmanaged(&self, table: &str) -> bool {
        is_unmanaged(&self.unmanaged, table)
    }
}

/// Whether `table` matches one of `patterns` (`unmanaged` in `strata.toml`): a name, or a
/// prefix ending in `*`, either without regard to case.
pub fn is_unmanaged<P: AsRef<str>>(patterns: &[P], table: &str) -> bool {
    patterns.iter().any(|pattern| match pattern.as_ref().strip_suffix('*') {
        Some(prefix) => table.to_ascii_lowercase().starts_with(&prefix.to_ascii_lowercase()),
        None => pattern.as_ref().eq_ignore_ascii_case(table),
    })
}

#[cfg(test)]
mod tests {
    use super::Effect;

    #[test]
    fn an_effect_names_the_up_file_of_a_version() {
        let at = |file: &str| Effect { file: file.into(), line: 1, sql: None }.up_version();
        assert_eq!(at("005_unique.up.sql"), Some(5));
        assert_eq!(at("20240101_add.sql"), Some(20240101));
        assert_eq!(at("2022-07-27-110000_add_group_support/up.sql"), Some(20220727110000));
        // A down file's effects belong to its own replay, never to the up's.
        assert_eq!(at("005_unique.down.sql"), None);
        assert_eq!(at("2022-07-27-110000_add_group_support/down.sql"), None);
    }
}
