//! Finding the migrations directory a model is checked against, or that a binary embeds.

use std::path::{Path, PathBuf};

use proc_macro2::Span;
use strata_schema::cache::LoadError;

/// A migrations directory, and how to show it to the user.
pub struct Dir {
    pub path: PathBuf,
    /// Relative to the crate when it is inside it, like `migrations/`.
    pub shown: String,
}

impl Dir {
    /// A file of the directory as messages name it: under `shown` when it is inside.
    pub fn show(&self, file: &Path) -> String {
        file.strip_prefix(&self.path)
            .map_or(file.to_owned(), |p| PathBuf::from(&self.shown).join(p))
            .display()
            .to_string()
    }

    /// The message for a directory that cannot be read or replayed, with a rustc-style excerpt
    /// of the failing SQL.
    pub fn load_error(&self, e: &LoadError, subject: &str) -> String {
        match e {
            LoadError::Replay(r) => {
                let file = r.path.strip_prefix(&self.path).unwrap_or(&r.path);
                let shown = format!("{}{}", self.shown, file.display());
                format!("cannot replay the migrations in `{}`: {}", self.shown, r.render(&shown))
            }
            e => format!("cannot check {subject} against `{}`: {e}", self.shown),
        }
    }
}

/// `#[strata(migrations = "...")]` relative to the crate, else to the calling file; without
/// it, `migrations/` in the crate, else the nearest `migrations/` above the calling file.
///
/// `given` is the path the user wrote, with its span; `subject` names what is checked and
/// `naming` how to name a directory, for the error when none is found (at `span`).
pub fn migrations_dir(
    given: Option<(&str, Span)>,
    caller: Option<&Path>,
    span: Span,
    subject: &str,
    naming: &str,
) -> Result<Dir, syn::Error> {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    // rustc names the calling file relative to its working directory (the workspace root under
    // cargo), not to the crate.
    let caller_dir = caller.and_then(Path::parent).map(|p| match std::env::current_dir() {
        Ok(cwd) if p.is_relative() => cwd.join(p),
        _ => p.to_owned(),
    });
    let found = match given {
        Some((rel, span)) => {
            let candidates =
                [manifest.as_ref().map(|m| m.join(rel)), caller_dir.as_ref().map(|c| c.join(rel))];
            match candidates.into_iter().flatten().find(|p| p.is_dir()) {
                Some(p) => p,
                None => {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "no migrations directory `{rel}`: it is looked for in the crate ({}) and beside this file",
                            manifest.as_deref().map_or("unknown".into(), |m| m.display().to_string())
                        ),
                    ));
                }
            }
        }
        None => {
            let in_crate = manifest.as_ref().map(|m| m.join("migrations")).filter(|p| p.is_dir());
            let above = || {
                let mut dir = caller_dir.clone();
                while let Some(d) = dir {
                    if d.join("migrations").join(strata_schema::CONFIG_FILE).is_file() {
                        return Some(d.join("migrations"));
                    }
                    dir = d.parent().map(Path::to_owned);
                }
                None
            };
            match in_crate.or_else(above) {
                Some(p) => p,
                None => {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "{subject} has no migrations to be checked against: create `migrations/strata.toml` with `dialect = \"sqlite\"` (or run `strata init`), or point to them with {naming}"
                        ),
                    ));
                }
            }
        }
    };
    // Relative to the crate, else to the calling file, so messages read the same everywhere.
    let relative = manifest
        .as_ref()
        .and_then(|m| found.strip_prefix(m).ok())
        .or_else(|| caller_dir.as_ref().and_then(|c| found.strip_prefix(c).ok()));
    let shown = match relative {
        Some(rel) => format!("{}/", rel.display()),
        None => found.display().to_string(),
    };
    Ok(Dir { path: found, shown })
}

/// The directories `config` (the `strata.toml` of `primary`) names under `also`, shown as
/// [`migrations_dir`] shows one: from where `primary` is shown (`migrations/` and
/// `../migrations_sqlite` show `migrations_sqlite/`).
pub fn also_dirs(primary: &Dir, config: &strata_schema::Config) -> Vec<Dir> {
    let shown = config.also_dirs(Path::new(&primary.shown));
    config
        .also_dirs(&primary.path)
        .into_iter()
        .zip(shown)
        .map(|(path, shown)| Dir {
            path: std::fs::canonicalize(&path).unwrap_or(path),
            shown: format!("{}/", shown.display()),
        })
        .collect()
}
