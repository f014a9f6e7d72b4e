//! Finding migrations on disk, each tool's layout as it is: sqlx's (and golang-migrate's) flat
//! files, diesel's and Prisma's folders, Flyway's scripts, goose's and dbmate's files that hold
//! both directions; `strata.toml`, checksums.

pub mod annotated;

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha384};

use crate::Dialect;
use crate::config::{Config, Versions};

/// How a migration is laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `<version>_<description>.up.sql` and `.down.sql`.
    SqlxReversible,
    /// `<version>_<description>.sql`, with no down.
    SqlxSimple,
    /// `<version>_<name>/up.sql`, `down.sql`, optional `metadata.toml`.
    Diesel,
    /// goose: `<version>_<name>.sql` holding `-- +goose Up` and `-- +goose Down`.
    Goose,
    /// dbmate: `<version>_<name>.sql` holding `-- migrate:up` and `-- migrate:down`.
    Dbmate,
    /// Prisma: `<timestamp>_<name>/migration.sql`, up only.
    Prisma,
    /// Flyway: `V<version>__<description>.sql`, undone by `U<version>__<description>.sql`.
    Flyway,
    /// Versioned folders (temporal's `temporal-sql-tool`): `v<major>.<minor>/manifest.json`
    /// listing the folder's SQL files in order (`SchemaUpdateCqlFiles`), up only. Each file is
    /// a migration of its own: `1.5` for the first file of `v1.5`, `1.5.1`, `1.5.2` for the next.
    Versioned,
    /// maragudk/migrate's: `<name>.up.sql` and an optional `<name>.down.sql`, the version the
    /// whole name, ordered as text (`versions = "names"` in `strata.toml`).
    Named,
}

impl Layout {
    /// Whether a migration of this layout is expected to have a down, so that one without is a
    /// mistake (sqlx's `.up.sql`, diesel's folders, goose's and dbmate's files); Prisma's have
    /// none, and Flyway's undo scripts are optional.
    pub fn expects_down(self) -> bool {
        matches!(self, Layout::SqlxReversible | Layout::Diesel | Layout::Goose | Layout::Dbmate)
    }

    /// Whether one file holds both directions (goose, dbmate): each direction is read as the
    /// file with the other's lines emptied ([`annotated`]).
    pub fn is_annotated(self) -> bool {
        matches!(self, Layout::Goose | Layout::Dbmate)
    }
}

/// One SQL file of a migration, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFile {
    pub path: PathBuf,
    pub sql: String,
}

/// One migration: its version, its up and optional down SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The version as written in the name (`20240101120000`, or diesel's with `-` removed).
    pub version: String,
    /// The version as sqlx's history table stores it.
    pub version_number: i64,
    pub description: String,
    pub layout: Layout,
    pub up: SqlFile,
    pub down: Option<SqlFile>,
    /// `-- no-transaction` on the up file's first line, or diesel's
    /// `run_in_transaction = false`.
    pub no_transaction: bool,
    /// The same for the down file, which says its own (a generated SQLite rebuild may be needed
    /// in one direction only).
    pub down_no_transaction: bool,
    /// SHA-384 of the up SQL with line endings normalised to `\n`.
    pub checksum: [u8; 48],
    /// The migrations this one squashes, as its `-- strata:replaces` lines record them: a
    /// database that applied them counts it as applied, a new one runs it instead.
    pub replaces: Vec<Replaced>,
}

/// A migration a squash took the place of, as the squash's header records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    /// Its version in the history table.
    pub version: i64,
    /// What the history table holds for it (SHA-384 of its up SQL as sqlx hashes it).
    pub checksum: [u8; 48],
    /// `20240101120000_add_users`.
    pub name: String,
}

/// How a squash's header names each migration it replaces:
/// `-- strata:replaces <version> <checksum> <name>`.
pub const REPLACES: &str = "-- strata:replaces ";

impl Replaced {
    /// The header line that records it.
    pub fn line(&self) -> String {
        format!("{REPLACES}{} {} {}", self.version, hex(&self.checksum), self.name)
    }
}

/// The `-- strata:replaces` lines of a migration's up SQL; a line that says less is an error at
/// its (1-based) line.
pub fn replaced_in(sql: &str) -> Result<Vec<Replaced>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in sql.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix(REPLACES.trim_end()) else { continue };
        let mut words = rest.split_whitespace();
        let bad = || {
            (
                i + 1,
                format!(
                    "`{}` is not a squash's record of a migration it replaces: expected `{REPLACES}<version> <checksum> <name>`, as `strata squash` writes it",
                    line.trim()
                ),
            )
        };
        let version = words.next().and_then(|v| v.parse::<i64>().ok()).ok_or_else(bad)?;
        let checksum = words.next().and_then(unhex).ok_or_else(bad)?;
        let name = words.next().ok_or_else(bad)?.to_owned();
        out.push(Replaced { version, checksum, name });
    }
    Ok(out)
}

/// How a migration file runs Rust code: `-- strata:rust <path>` on a line of its own, `<path>` an
/// async function the crate that embeds the migrations defines (`crate::data::backfill`).
pub const RUST: &str = "-- strata:rust ";

/// The Rust function a migration file runs, with its (1-based) line: at most one a file, its
/// path a Rust path.
pub fn rust_step(sql: &str) -> Result<Option<(usize, String)>, (usize, String)> {
    let mut found: Option<(usize, String)> = None;
    for (i, line) in sql.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix(RUST.trim_end()) else { continue };
        let path = rest.trim();
        if let Some((first, _)) = &found {
            return Err((
                i + 1,
                format!(
                    "a second `{}` line (the first is line {first}); a migration runs one Rust function a direction: call the others from it",
                    RUST.trim_end()
                ),
            ));
        }
        if path.is_empty() || syn::parse_str::<syn::Path>(path).is_err() {
            return Err((
                i + 1,
                format!(
                    "`{}` names no Rust function: expected `{RUST}<path>`, a path from the crate that embeds the migrations (`crate::data::backfill`)",
                    line.trim()
                ),
            ));
        }
        found = Some((i + 1, path.to_owned()));
    }
    Ok(found)
}

/// 96 hexadecimal digits as the 48 bytes of a checksum.
fn unhex(text: &str) -> Option<[u8; 48]> {
    let bytes = text.as_bytes();
    if bytes.len() != 96 {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 48];
    for (k, pair) in bytes.chunks(2).enumerate() {
        out[k] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

impl Migration {
    /// The Rust function its up (or its `down`) runs, if it runs one (discovery checked the
    /// line).
    pub fn rust_step(&self, down: bool) -> Option<String> {
        let file = if down { self.down.as_ref()? } else { &self.up };
        rust_step(&file.sql).ok().flatten().map(|(_, path)| path)
    }

    pub fn checksum_hex(&self) -> String {
        hex(&self.checksum)
    }

    /// Whether `strata.toml`'s effect `e` speaks of a statement of this migration's up (of a
    /// goose or dbmate file, the effects at the up's lines).
    pub fn has_up_effect(&self, e: &crate::Effect) -> bool {
        self.up.path.ends_with(&e.file)
            && crate::replay::belongs_here(e.line, &self.up.sql, crate::replay::other_of(self, false))
    }

    /// `20240101120000_add_users`, the name a user sees.
    pub fn name(&self) -> String {
        format!("{}_{}", self.version, self.description.replace(' ', "_"))
    }
}

/// A migrations directory, read and ordered.
#[derive(Debug, Clone)]
pub struct MigrationSet {
    pub dir: PathBuf,
    pub config: Config,
    pub migrations: Vec<Migration>,
}

impl MigrationSet {
    /// Reads `dir`: `strata.toml` (unless `dialect` is given and the file is absent) and every
    /// migration, ordered the way its own tool orders it.
    pub fn load(dir: &Path, dialect: Option<Dialect>) -> Result<Self, DiscoveryError> {
        let config = match (Config::load(dir)?, dialect) {
            (Some(mut c), Some(d)) => {
                c.dialect = d;
                c
            }
            (Some(c), None) => c,
            (None, Some(d)) => Config::new(d),
            (None, None) => {
                return Err(DiscoveryError::NoConfig { dir: dir.to_owned() });
            }
        };
        Self::with_config(dir, config)
    }

    /// Reads the migrations of `dir` as `config` says (`versions`), whatever `strata.toml` says.
    pub fn with_config(dir: &Path, config: Config) -> Result<Self, DiscoveryError> {
        let migrations = discover_as(dir, config.versions)?;
        Ok(MigrationSet { dir: dir.to_owned(), config, migrations })
    }

    pub fn latest(&self) -> Option<&Migration> {
        self.migrations.last()
    }

    /// `strata.toml`'s `[[effect]]`s for up files, as `(version, line, sql)`: what a binary
    /// carries for its migrator (an effect for a down line of a goose or dbmate file is the
    /// down's).
    pub fn up_effects(&self) -> Vec<(i64, u64, Option<&str>)> {
        self.config
            .effects
            .iter()
            .filter_map(|e| {
                // The migration whose up file the effect names, in any layout (a versioned
                // folder's `v1.5/x.sql`, a named `0001_a.up.sql`); a file no migration has keeps
                // the version its name gives, for the replay to refuse.
                match self.migrations.iter().find(|m| m.up.path.ends_with(&e.file)) {
                    Some(m) => m.has_up_effect(e).then_some((m.version_number, e.line, e.sql.as_deref())),
                    None => {
                        let v = e.up_version()?;
                        let known = self.migrations.iter().any(|m| m.version_number == v);
                        (!known).then_some((v, e.line, e.sql.as_deref()))
                    }
                }
            })
            .collect()
    }

    /// Every file the set was read from, so a macro can `include_str!` each.
    pub fn files(&self) -> Vec<&Path> {
        let mut files: Vec<&Path> = Vec::new();
        for m in &self.migrations {
            files.push(&m.up.path);
            if let Some(d) = &m.down {
                files.push(&d.path);
            }
        }
        files
    }
}

/// Lowercase hexadecimal, two digits a byte: how checksums are written.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// SHA-384 over the text with `\r\n` read as `\n`, so a checkout on Windows changes nothing.
pub fn checksum(sql: &str) -> [u8; 48] {
    let mut hasher = Sha384::new();
    let mut rest = sql;
    while let Some(i) = rest.find("\r\n") {
        hasher.update(&rest.as_bytes()[..i]);
        hasher.update(b"\n");
        rest = &rest[i + 2..];
    }
    hasher.update(rest.as_bytes());
    hasher.finalize().into()
}

/// The entries of a directory: (name, path, is a directory), sorted by name. One `readdir`,
/// no `stat`: the file type comes with the entry.
fn list(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, DiscoveryError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| DiscoveryError::io(dir, e))? {
        let entry = entry.map_err(|e| DiscoveryError::io(dir, e))?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(|e| DiscoveryError::io(&entry.path(), e))?;
        // A symlink is followed; anything else is known without a `stat`.
        let is_dir = kind.is_dir() || kind.is_symlink() && entry.path().is_dir();
        out.push((name, entry.path(), is_dir));
    }
    out.sort();
    Ok(out)
}

/// SHA-384 of the statements of a migration that have run, each followed by `;`: what strata
/// records of a migration that stopped partway, so that a fix of the statements not yet run can
/// be told from a change to the ones that did (comments and spacing between them may change).
#[derive(Clone, Default)]
pub struct StatementsChecksum(Sha384);

impl fmt::Debug for StatementsChecksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatementsChecksum({})", hex(&self.value()))
    }
}

impl StatementsChecksum {
    pub fn push(&mut self, statement: &str) {
        self.0.update(statement.as_bytes());
        self.0.update(b";");
    }

    pub fn value(&self) -> [u8; 48] {
        self.0.clone().finalize().into()
    }

    /// The checksum of the first `n` statements of `sql`, as [`crate::replay::statements`] splits it.
    pub fn of_first(dialect: Dialect, sql: &str, n: usize) -> [u8; 48] {
        let mut c = StatementsChecksum::default();
        for s in crate::replay::statements(dialect, sql).into_iter().take(n) {
            c.push(s);
        }
        c.value()
    }
}

/// SHA-384 over the exact bytes, as sqlx's migrator records a migration.
pub fn sqlx_checksum(sql: &str) -> [u8; 48] {
    sqlx_checksum_bytes(sql.as_bytes())
}

/// SHA-384 of `bytes` as they are.
pub fn sqlx_checksum_bytes(bytes: &[u8]) -> [u8; 48] {
    Sha384::digest(bytes).into()
}

/// Lists and reads the migrations in `dir`, ordered.
pub fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoveryError> {
    discover_as(dir, Config::load(dir)?.map_or_else(Versions::default, |c| c.versions))
}

/// [`discover`], with versions read as `versions` says.
pub fn discover_as(dir: &Path, versions: Versions) -> Result<Vec<Migration>, DiscoveryError> {
    if versions == Versions::Names {
        return discover_named(dir);
    }
    let entries = list(dir)?;
    let names: std::collections::HashSet<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    // Reading is most of the work and each entry is independent: spread it over the cores.
    let read_one =
        |(name, path, is_dir): &(String, PathBuf, bool)| -> Result<Vec<Migration>, DiscoveryError> {
            if *is_dir && let Some(version) = versioned_name(name) {
                versioned_folder(path, version)
            } else {
                read_entry(dir, &names, name, path, *is_dir).map(|m| m.into_iter().collect())
            }
        };
    let mut found: Vec<Migration> = Vec::new();
    for m in crate::par::map(&entries, read_one) {
        found.extend(m?);
    }
    let mut found = order(dir, found)?;
    squashes(&mut found)?;
    Ok(found)
}

/// One entry of a migrations directory that is not a versioned folder: the migration it holds,
/// if it is one (a down file is read with its up).
fn read_entry(
    dir: &Path,
    names: &std::collections::HashSet<&str>,
    name: &str,
    path: &Path,
    is_dir: bool,
) -> Result<Option<Migration>, DiscoveryError> {
    if is_dir {
        diesel_folder(path, name)
    } else if let Some(f) = flyway_name(name) {
        flyway_file(dir, path, &f, names)
    } else if let Some(stem) = name.strip_suffix(".up.sql") {
        let (version, description) = split_name(path, stem)?;
        let down_name = format!("{stem}.down.sql");
        let down = if names.contains(down_name.as_str()) { Some(read(&dir.join(down_name))?) } else { None };
        migration(version, description, Layout::SqlxReversible, read(path)?, down).map(Some)
    } else if let Some(stem) = name.strip_suffix(".down.sql") {
        if !names.contains(format!("{stem}.up.sql").as_str()) {
            return Err(DiscoveryError::DownWithoutUp { path: path.to_owned() });
        }
        Ok(None)
    } else if let Some(stem) = name.strip_suffix(".sql") {
        let (version, description) = split_name(path, stem)?;
        let file = read(path)?;
        match annotated::split(&file.sql) {
            Ok(None) => migration(version, description, Layout::SqlxSimple, file, None).map(Some),
            Ok(Some(s)) => {
                let up = SqlFile { path: file.path.clone(), sql: s.up };
                let down = s.down.map(|sql| SqlFile { path: file.path.clone(), sql });
                let mut m = migration(version, description, s.layout, up, down)?;
                m.no_transaction |= s.up_no_transaction;
                m.down_no_transaction |= s.down_no_transaction;
                Ok(Some(m))
            }
            Err((line, message)) => Err(DiscoveryError::BadAnnotation { path: file.path, line, message }),
        }
    } else {
        Ok(None)
    }
}

/// The migrations read from a directory, checked for one layout and put in their tool's order.
fn order(dir: &Path, mut found: Vec<Migration>) -> Result<Vec<Migration>, DiscoveryError> {
    let diesel = found.iter().filter(|m| m.layout == Layout::Diesel).count();
    let prisma = found.iter().filter(|m| m.layout == Layout::Prisma).count();
    let flyway = found.iter().filter(|m| m.layout == Layout::Flyway).count();
    let versioned = found.iter().filter(|m| m.layout == Layout::Versioned).count();
    let mixed = |n: usize| n != 0 && n != found.len();
    if mixed(diesel) || mixed(prisma) || mixed(flyway) || mixed(versioned) {
        return Err(DiscoveryError::MixedLayouts { dir: dir.to_owned() });
    }
    // goose and dbmate mark every file; one without the marks is not theirs.
    if let Some(a) = found.iter().find(|m| m.layout.is_annotated())
        && let Some(other) = found.iter().find(|m| m.layout != a.layout)
    {
        return Err(DiscoveryError::UnmarkedFile {
            path: other.up.path.clone(),
            layout: a.layout,
            marked: a.up.path.clone(),
        });
    }
    if diesel != 0 {
        // diesel compares versions as strings: `00000000000000` first, then the timestamps.
        found.sort_by(|a, b| a.version.cmp(&b.version));
    } else {
        found.sort_by_key(|m| m.version_number);
    }
    for pair in found.windows(2) {
        if pair[0].version_number == pair[1].version_number {
            return Err(DiscoveryError::DuplicateVersion {
                version: pair[1].version.clone(),
                first: pair[0].up.path.clone(),
                second: pair[1].up.path.clone(),
            });
        }
    }
    Ok(found)
}

/// maragudk/migrate's layout (`versions = "names"`): `<name>.up.sql` and `<name>.down.sql`
/// (or `_up.sql`, `_down.sql`, which its pattern's unescaped dot also takes), ordered by the
/// whole name as text; the down is optional. Several names may share a number (`0001_a`,
/// `0001_b`): the history table numbers each `number * 1000 + k`, `k` counting the names that
/// share the number in their order, and the version reads `0001`, `0001.1`, `0001.2`. A down
/// file whose name has no up is not a migration (the tool passes over it; `strata check` says
/// it never runs).
fn discover_named(dir: &Path) -> Result<Vec<Migration>, DiscoveryError> {
    let entries = list(dir)?;
    let names: std::collections::HashSet<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    let mut found: Vec<(String, Migration)> = Vec::new();
    for (name, path, is_dir) in &entries {
        let Some(stem) = name.strip_suffix("up.sql").and_then(|s| s.strip_suffix(['.', '_'])) else {
            continue;
        };
        if *is_dir || stem.is_empty() {
            continue;
        }
        if let Some((first, _)) = found.iter().find(|(s, _)| s == stem) {
            return Err(DiscoveryError::DuplicateVersion {
                version: stem.to_owned(),
                first: dir.join(format!("{first}.up.sql")),
                second: path.clone(),
            });
        }
        let down = [format!("{stem}.down.sql"), format!("{stem}_down.sql")]
            .into_iter()
            .find(|d| names.contains(d.as_str()));
        let down = match down {
            Some(d) => Some(read(&dir.join(d))?),
            None => None,
        };
        let description = stem.split_once('_').map_or(stem, |(_, d)| d).to_owned();
        found.push((
            stem.to_owned(),
            numbered(String::new(), 0, description, Layout::Named, read(path)?, down),
        ));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let mut taken: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(found.len());
    for (stem, mut m) in found {
        let digits: String = stem.chars().take_while(char::is_ascii_digit).collect();
        let digits = if digits.is_empty() { "0".to_owned() } else { digits };
        let k = taken.entry(digits.clone()).or_insert(0);
        if *k >= 1000 {
            return Err(DiscoveryError::Config {
                path: m.up.path.clone(),
                message: format!(
                    "is the 1001st migration whose name starts with {digits}: strata numbers them {digits}000 to {digits}999 in the history table"
                ),
            });
        }
        let Some(number) = digits.parse::<i64>().ok().and_then(|n| n.checked_mul(1000)) else {
            return Err(DiscoveryError::VersionTooLarge {
                path: m.up.path.clone(),
                digits: digits.trim_start_matches('0').len() + 3,
            });
        };
        m.version = if *k == 0 { digits.clone() } else { format!("{digits}.{k}") };
        m.version_number = number + *k;
        *k += 1;
        out.push(m);
    }
    squashes(&mut out)?;
    Ok(out)
}

/// The down files of a `versions = "names"` directory whose name no up file has: its tool
/// passes over them, so they never run (a misspelt name, usually).
pub fn orphan_downs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = list(dir) else { return Vec::new() };
    let names: std::collections::HashSet<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    entries
        .iter()
        .filter(|(name, _, is_dir)| {
            let Some(stem) = name.strip_suffix("down.sql").and_then(|s| s.strip_suffix(['.', '_'])) else {
                return false;
            };
            !is_dir
                && !names.contains(format!("{stem}.up.sql").as_str())
                && !names.contains(format!("{stem}_up.sql").as_str())
        })
        .map(|e| e.1.clone())
        .collect()
}

/// `v1.10` as (1, 10): the name of a versioned folder.
fn versioned_name(name: &str) -> Option<(u64, u64)> {
    let (major, minor) = name.strip_prefix('v')?.split_once('.')?;
    let number =
        |s: &str| (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())).then(|| s.parse().ok()).flatten();
    Some((number(major)?, number(minor)?))
}

/// The largest minor version, and the most files a folder may list: a versioned folder's
/// migrations are numbered `major * 10^9 + minor * 10^3 + file`, which keeps temporal's order
/// (`v1.2` before `v1.10`) in one 64-bit number.
const VERSIONED_MINOR: u64 = 1_000_000;
const VERSIONED_FILES: usize = 1_000;

/// The migrations of a versioned folder `v<major>.<minor>/`: each file its `manifest.json`
/// lists, in its order.
fn versioned_folder(path: &Path, (major, minor): (u64, u64)) -> Result<Vec<Migration>, DiscoveryError> {
    let manifest_path = path.join("manifest.json");
    let bad = |message: String| DiscoveryError::Config { path: manifest_path.clone(), message };
    let Some(manifest) = read_if_exists(&manifest_path)? else {
        return Err(bad(
            "missing; a versioned folder lists its SQL files, in the order they run, in `manifest.json` (`SchemaUpdateCqlFiles`)".to_owned(),
        ));
    };
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(rename = "CurrVersion")]
        version: String,
        #[serde(rename = "SchemaUpdateCqlFiles")]
        files: Vec<String>,
    }
    let m: Manifest = serde_json::from_str(&manifest.sql).map_err(|e| bad(e.to_string()))?;
    let folder = format!("{major}.{minor}");
    if m.version.trim_start_matches('v') != folder {
        return Err(bad(format!("says `CurrVersion` is `{}`, but the folder is `v{folder}`", m.version)));
    }
    let number = major
        .checked_mul(1_000_000_000)
        .filter(|_| minor < VERSIONED_MINOR && m.files.len() <= VERSIONED_FILES)
        .and_then(|n| n.checked_add(minor * 1_000))
        .and_then(|n| i64::try_from(n).ok())
        .ok_or_else(|| {
            bad(format!(
                "version {folder} with {} file(s) does not fit the history table's 64-bit versions, which strata numbers major * 10^9 + minor * 10^3 + file: the minor version must be below {VERSIONED_MINOR}, and a folder may list at most {VERSIONED_FILES} files",
                m.files.len()
            ))
        })?;
    let mut out = Vec::with_capacity(m.files.len());
    for (k, file) in m.files.iter().enumerate() {
        let file_path = path.join(file);
        let Some(up) = read_if_exists(&file_path)? else {
            return Err(bad(format!("lists `{file}`, which is not in `{}`", path.display())));
        };
        let stem = file.strip_suffix(".sql").unwrap_or(file);
        let version = if k == 0 { folder.clone() } else { format!("{folder}.{k}") };
        out.push(numbered(version, number + k as i64, stem.to_owned(), Layout::Versioned, up, None));
    }
    Ok(out)
}

/// A Flyway script's name: `V`, `U` or `R`, the version, and the description.
struct FlywayName<'a> {
    kind: char,
    version: &'a str,
    description: &'a str,
}

/// `V2__add_users.sql` as Flyway reads it; `None` for a name of another tool.
fn flyway_name(name: &str) -> Option<FlywayName<'_>> {
    let stem = name.strip_suffix(".sql")?;
    let kind = stem.chars().next().filter(|c| matches!(c, 'V' | 'U' | 'R'))?;
    let (version, description) = stem[1..].split_once("__")?;
    let versioned = !version.is_empty()
        && version.chars().next().is_some_and(|c| c.is_ascii_digit())
        && version.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '_');
    (versioned || (kind == 'R' && version.is_empty())).then_some(FlywayName { kind, version, description })
}

/// A Flyway versioned script with its undo script, if there is one; an undo script alone is
/// read with its versioned one.
fn flyway_file(
    dir: &Path,
    path: &Path,
    f: &FlywayName<'_>,
    names: &std::collections::HashSet<&str>,
) -> Result<Option<Migration>, DiscoveryError> {
    let paired = |kind: char| {
        names.iter().find(|n| flyway_name(n).is_some_and(|o| o.kind == kind && o.version == f.version))
    };
    match f.kind {
        'R' => Err(DiscoveryError::Repeatable { path: path.to_owned() }),
        'U' if paired('V').is_none() => Err(DiscoveryError::DownWithoutUp { path: path.to_owned() }),
        'U' => Ok(None),
        _ => {
            if !f.version.chars().all(|c| c.is_ascii_digit()) {
                return Err(DiscoveryError::DottedVersion {
                    path: path.to_owned(),
                    version: f.version.to_owned(),
                });
            }
            let down = match paired('U') {
                Some(n) => Some(read(&dir.join(n))?),
                None => None,
            };
            let mut m =
                migration(f.version.to_owned(), f.description.to_owned(), Layout::Flyway, read(path)?, down)?;
            // Flyway's per-script settings: `executeInTransaction=false` in `<script>.conf`.
            let no_tx = |p: &Path| -> Result<bool, DiscoveryError> {
                let conf = PathBuf::from(format!("{}.conf", p.display()));
                Ok(read_if_exists(&conf)?.is_some_and(|c| {
                    c.sql
                        .lines()
                        .any(|l| l.replace(' ', "").eq_ignore_ascii_case("executeInTransaction=false"))
                }))
            };
            m.no_transaction |= no_tx(path)?;
            if let Some(d) = &m.down {
                m.down_no_transaction |= no_tx(&d.path)?;
            }
            Ok(Some(m))
        }
    }
}

fn diesel_folder(path: &Path, name: &str) -> Result<Option<Migration>, DiscoveryError> {
    // Opened directly rather than listed first: one missing file costs one failed `open`.
    let Some(up) = read_if_exists(&path.join("up.sql"))? else {
        // Prisma's folder holds `migration.sql`, with no down.
        return match read_if_exists(&path.join("migration.sql"))? {
            Some(up) => {
                let (version, description) = split_name(path, name)?;
                migration(version, description, Layout::Prisma, up, None).map(Some)
            }
            None => Ok(None),
        };
    };
    let (raw_version, description) = name.split_once('_').unwrap_or((name, ""));
    let version: String = raw_version.chars().filter(|&c| c != '-').collect();
    if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit()) {
        return Err(DiscoveryError::BadName { path: path.to_owned() });
    }
    let down = read_if_exists(&path.join("down.sql"))?;
    let mut m = migration(version, description.to_owned(), Layout::Diesel, up, down)?;
    let meta = path.join("metadata.toml");
    if let Some(file) = read_if_exists(&meta)? {
        let table: toml::Table = file.sql.parse().map_err(|e: toml::de::Error| DiscoveryError::Config {
            path: meta.clone(),
            message: e.message().to_owned(),
        })?;
        if table.get("run_in_transaction").and_then(toml::Value::as_bool) == Some(false) {
            m.no_transaction = true;
            m.down_no_transaction = true;
        }
    }
    Ok(Some(m))
}

fn split_name(path: &Path, stem: &str) -> Result<(String, String), DiscoveryError> {
    // A name without a description (`123.up.sql`) is refused too: sqlx passes over such a file
    // without a word, and applying it would surprise as much.
    let Some((version, description)) = stem.split_once('_').filter(|(_, d)| !d.trim().is_empty()) else {
        return Err(DiscoveryError::BadName { path: path.to_owned() });
    };
    if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit()) {
        return Err(DiscoveryError::BadName { path: path.to_owned() });
    }
    Ok((version.to_owned(), description.to_owned()))
}

fn migration(
    version: String,
    description: String,
    layout: Layout,
    up: SqlFile,
    down: Option<SqlFile>,
) -> Result<Migration, DiscoveryError> {
    let version_number = version.parse::<i64>().map_err(|_| DiscoveryError::VersionTooLarge {
        path: up.path.clone(),
        digits: version.trim_start_matches('0').len(),
    })?;
    Ok(numbered(version, version_number, description, layout, up, down))
}

/// A migration whose history-table version is `version_number`.
fn numbered(
    version: String,
    version_number: i64,
    description: String,
    layout: Layout,
    up: SqlFile,
    down: Option<SqlFile>,
) -> Migration {
    let no_transaction = says_no_transaction(&up.sql);
    let down_no_transaction = down.as_ref().is_some_and(|d| says_no_transaction(&d.sql));
    Migration {
        version,
        version_number,
        description: description.replace('_', " "),
        layout,
        checksum: checksum(&up.sql),
        up,
        down,
        no_transaction,
        down_no_transaction,
        replaces: Vec::new(),
    }
}

/// Reads each squash's `-- strata:replaces` lines (a migration it replaces must be gone from
/// the directory: the squash runs in its place), and checks each `-- strata:rust` line and each
/// line that sets a timeout.
fn squashes(found: &mut [Migration]) -> Result<(), DiscoveryError> {
    for m in found.iter() {
        for f in std::iter::once(&m.up).chain(&m.down) {
            if f.sql.contains(RUST.trim_end()) {
                rust_step(&f.sql).map_err(|(line, message)| DiscoveryError::BadAnnotation {
                    path: f.path.clone(),
                    line,
                    message,
                })?;
            }
            crate::timeouts::Timeouts::DEFAULT.in_file(&f.sql).map_err(|(line, message)| {
                DiscoveryError::BadAnnotation { path: f.path.clone(), line, message }
            })?;
        }
    }
    for m in found.iter_mut() {
        if m.up.sql.contains(REPLACES.trim_end()) {
            m.replaces = replaced_in(&m.up.sql).map_err(|(line, message)| DiscoveryError::BadAnnotation {
                path: m.up.path.clone(),
                line,
                message,
            })?;
        }
    }
    for s in found.iter().filter(|m| !m.replaces.is_empty()) {
        if let Some(other) = found.iter().find(|o| {
            o.version_number != s.version_number && s.replaces.iter().any(|r| r.version == o.version_number)
        }) {
            return Err(DiscoveryError::SquashedStillHere {
                path: other.up.path.clone(),
                squash: s.up.path.clone(),
            });
        }
    }
    Ok(())
}

/// Whether a file's first line is `-- no-transaction`: the file runs outside a transaction.
pub fn says_no_transaction(sql: &str) -> bool {
    sql.trim_start()
        .lines()
        .next()
        .is_some_and(|l| l.trim().trim_start_matches("--").trim().eq_ignore_ascii_case("no-transaction"))
}

fn read(path: &Path) -> Result<SqlFile, DiscoveryError> {
    read_if_exists(path)?
        .ok_or_else(|| DiscoveryError::Io { path: path.to_owned(), message: "no such file".into() })
}

fn read_if_exists(path: &Path) -> Result<Option<SqlFile>, DiscoveryError> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(DiscoveryError::io(path, e)),
    };
    // Read through a plain `Read`: `File`'s own `read_to_end` first asks for the size and the
    // position (a `statx` and an `lseek`, two of the six system calls a small file cost).
    struct Plain(std::fs::File);
    impl Read for Plain {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(buf)
        }
    }
    let mut bytes = Vec::with_capacity(1024);
    Plain(file).read_to_end(&mut bytes).map_err(|e| DiscoveryError::io(path, e))?;
    let sql = String::from_utf8(bytes).map_err(|_| DiscoveryError::NotUtf8 { path: path.to_owned() })?;
    Ok(Some(SqlFile { path: path.to_owned(), sql }))
}

/// Why a migrations directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("cannot read `{}`: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("`{}` is not valid UTF-8", path.display())]
    NotUtf8 { path: PathBuf },
    #[error(
        "`{}` is not a migration name: expected `<version>_<description>.up.sql` (or `.sql`, or a diesel folder `<version>_<name>/up.sql`) with a numeric version",
        path.display()
    )]
    BadName { path: PathBuf },
    #[error(
        "the version of `{}` is {} digits long, and does not fit the history table, whose versions are 64-bit numbers as sqlx's are (at most 9223372036854775807, 19 digits); give the migration a shorter version (`strata generate` uses 14: yyyymmddhhmmss)",
        path.display(),
        digits
    )]
    VersionTooLarge { path: PathBuf, digits: usize },
    #[error("`{}` has no matching `.up.sql`", path.display())]
    DownWithoutUp { path: PathBuf },
    #[error("{}:{line}: {message}", path.display())]
    BadAnnotation { path: PathBuf, line: usize, message: String },
    #[error(
        "`{}` is a Flyway repeatable migration (`R__`), which Flyway runs again whenever it changes; strata applies each migration once, in order: give it a version (`V<n>__...`) for each change, or keep it out of the directory",
        path.display()
    )]
    Repeatable { path: PathBuf },
    #[error(
        "the version `{version}` of `{}` has parts (`1.1`, `1_1`), which no 64-bit number keeps in Flyway's order for every later version; strata records versions as numbers, as sqlx's history table does: give the migrations whole-number versions (`V11__...`)",
        path.display()
    )]
    DottedVersion { path: PathBuf, version: String },
    #[error(
        "`{}` is not a {layout} migration like `{}` (it has no {layout} up and down markers); give it the markers, or keep one layout per directory",
        path.display(),
        marked.display()
    )]
    UnmarkedFile { path: PathBuf, layout: Layout, marked: PathBuf },
    #[error(
        "migration version {version} is used twice: `{}` and `{}` (if the directory's tool versions a migration by its whole file name, as maragudk/migrate does, say `versions = \"names\"` in strata.toml)",
        first.display(),
        second.display()
    )]
    DuplicateVersion { version: String, first: PathBuf, second: PathBuf },
    #[error("`{}` mixes migration layouts (diesel or Prisma folders, or Flyway scripts, beside other migrations); use one layout", dir.display())]
    MixedLayouts { dir: PathBuf },
    #[error(
        "`{}` has no `strata.toml`; create one with `dialect = \"sqlite\"` (or \"postgres\", \"mysql\"), or run `strata init`",
        dir.display()
    )]
    NoConfig { dir: PathBuf },
    #[error("`{}`: {message}", path.display())]
    Config { path: PathBuf, message: String },
    #[error(
        "`{}` is squashed into `{}` (its `-- strata:replaces` lines name it), yet it is still here; remove it: the squash runs in its place",
        path.display(),
        squash.display()
    )]
    SquashedStillHere { path: PathBuf, squash: PathBuf },
}

impl DiscoveryError {
    fn io(path: &Path, e: std::io::Error) -> Self {
        DiscoveryError::Io { path: path.to_owned(), message: e.to_string() }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::SqlxReversible => "sqlx reversible",
            Layout::SqlxSimple => "sqlx up-only",
            Layout::Diesel => "diesel",
            Layout::Goose => "goose",
            Layout::Dbmate => "dbmate",
            Layout::Prisma => "Prisma",
            Layout::Flyway => "Flyway",
            Layout::Versioned => "versioned folder",
            Layout::Named => "named",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("strata-discover-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            TempDir(dir)
        }

        fn file(&self, rel: &str, text: &str) -> &Self {
            let path = self.0.join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(path, text).expect("writes");
            self
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn sqlx_layout_in_numeric_order() {
        let d = TempDir::new("sqlx");
        d.file("10_third.up.sql", "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);")
            .file("10_third.down.sql", "DROP INDEX i;")
            .file("9_second.sql", "ALTER TABLE t ADD b INT;")
            .file("1_first_one.up.sql", "CREATE TABLE t (a INT);")
            .file("1_first_one.down.sql", "DROP TABLE t;")
            .file("strata.toml", "dialect = \"postgres\"")
            .file("README.md", "not a migration");
        let set = MigrationSet::load(&d.0, None).expect("loads");
        let names: Vec<String> = set.migrations.iter().map(Migration::name).collect();
        assert_eq!(names, ["1_first_one", "9_second", "10_third"]);
        assert_eq!(set.migrations[1].layout, Layout::SqlxSimple);
        assert!(set.migrations[1].down.is_none() && set.migrations[0].down.is_some());
        assert!(set.migrations[2].no_transaction && !set.migrations[0].no_transaction);
        assert_eq!(set.migrations[0].description, "first one");
        assert_eq!(set.config.dialect, Dialect::Postgres);
    }

    /// A version of 20 digits is numeric; what is wrong is its size, and the error says so.
    #[test]
    fn a_version_too_large_for_the_history_table_says_so() {
        let d = TempDir::new("too_large");
        d.file("20240101120000000000_big.up.sql", "CREATE TABLE t (a INT);")
            .file("strata.toml", "dialect = \"sqlite\"");
        let e = MigrationSet::load(&d.0, None).expect_err("refused").to_string();
        assert!(
            e.contains(
                "20240101120000000000_big.up.sql` is 20 digits long, and does not fit the history table"
            ),
            "{e}"
        );
        // Leading zeros do not count: the number fits.
        let d = TempDir::new("zeros");
        d.file("00000000000000000001_one.up.sql", "CREATE TABLE t (a INT);")
            .file("strata.toml", "dialect = \"sqlite\"");
        assert_eq!(MigrationSet::load(&d.0, None).expect("loads").migrations[0].version_number, 1);
    }

    #[test]
    fn goose_and_dbmate_files_give_both_directions_at_their_lines() {
        let d = TempDir::new("goose");
        d.file(
            "001_users.sql",
            "-- +goose Up\nCREATE TABLE users (id INT);\n-- +goose Down\nDROP TABLE users;\n",
        )
        .file(
            "002_index.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON users (id);\n",
        );
        let found = discover(&d.0).expect("reads");
        assert_eq!(found.iter().map(|m| m.layout).collect::<Vec<_>>(), [Layout::Goose, Layout::Goose]);
        assert_eq!(found[0].up.sql, "\nCREATE TABLE users (id INT);\n\n\n");
        assert_eq!(found[0].down.as_ref().map(|d| d.sql.as_str()), Some("\n\n\nDROP TABLE users;\n"));
        assert!(found[1].no_transaction && found[1].down.is_none());
        // A file without the marks among goose files is not goose's.
        d.file("003_plain.sql", "SELECT 1;\n");
        let e = discover(&d.0).expect_err("refused").to_string();
        assert!(e.contains("003_plain.sql` is not a goose migration like"), "{e}");
        // Prisma's folders: `migration.sql`, up only.
        let p = TempDir::new("prisma");
        p.file("20240101120000_init/migration.sql", "-- CreateTable\nCREATE TABLE a (id INT);\n")
            .file("20240102120000_b/migration.sql", "CREATE TABLE b (id INT);\n")
            .file("migration_lock.toml", "provider = \"postgresql\"\n");
        let found = discover(&p.0).expect("reads");
        assert_eq!(
            found.iter().map(|m| (m.layout, m.version_number)).collect::<Vec<_>>(),
            [(Layout::Prisma, 20240101120000), (Layout::Prisma, 20240102120000)]
        );
        assert!(found.iter().all(|m| m.down.is_none()));
        // Flyway's scripts: versioned, undone, with their settings; repeatable and dotted
        // versions refused with the reason.
        let f = TempDir::new("flyway");
        f.file("V1__create_users.sql", "CREATE TABLE users (id INT);\n")
            .file("U1__drop_users.sql", "DROP TABLE users;\n")
            .file("V2__index.sql", "CREATE INDEX CONCURRENTLY i ON users (id);\n")
            .file("V2__index.sql.conf", "executeInTransaction=false\n");
        let found = discover(&f.0).expect("reads");
        assert_eq!(
            found.iter().map(|m| (m.layout, m.version_number)).collect::<Vec<_>>(),
            [(Layout::Flyway, 1), (Layout::Flyway, 2)]
        );
        assert_eq!(found[0].description, "create users");
        assert_eq!(found[0].down.as_ref().map(|d| d.sql.as_str()), Some("DROP TABLE users;\n"));
        assert!(found[1].no_transaction && found[1].down.is_none());
        f.file("R__views.sql", "CREATE VIEW v AS SELECT 1;\n");
        assert!(
            discover(&f.0).expect_err("refused").to_string().contains("is a Flyway repeatable migration")
        );
        let f = TempDir::new("flyway_dots");
        f.file("V1.1__a.sql", "SELECT 1;\n");
        assert!(discover(&f.0).expect_err("refused").to_string().contains("the version `1.1` of"));
        let f = TempDir::new("flyway_undo");
        f.file("U3__b.sql", "SELECT 1;\n");
        assert!(discover(&f.0).expect_err("refused").to_string().contains("U3__b.sql"));
        // A mark strata cannot follow is refused at its line.
        let d = TempDir::new("dbmate");
        d.file("1_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:sideways\n");
        let e = discover(&d.0).expect_err("refused").to_string();
        assert!(e.ends_with("1_a.sql:3: `-- migrate:sideways` is not an annotation strata knows"), "{e}");
    }

    #[test]
    fn diesel_layout_in_diesel_order() {
        let d = TempDir::new("diesel");
        d.file("2018-01-14-171611_create/up.sql", "CREATE TABLE t (a INT);")
            .file("2018-01-14-171611_create/down.sql", "DROP TABLE t;")
            .file("00000000000000_diesel_initial_setup/up.sql", "SELECT 1;")
            .file("2019-02-01-000000_no_txn/up.sql", "SELECT 1;")
            .file("2019-02-01-000000_no_txn/metadata.toml", "run_in_transaction = false")
            .file("not_a_migration/notes.txt", "");
        let set = MigrationSet::load(&d.0, Some(Dialect::Sqlite)).expect("loads");
        let versions: Vec<&str> = set.migrations.iter().map(|m| m.version.as_str()).collect();
        assert_eq!(versions, ["00000000000000", "20180114171611", "20190201000000"]);
        assert!(set.migrations[2].no_transaction);
        assert!(set.migrations.iter().all(|m| m.layout == Layout::Diesel));
    }

    #[test]
    fn checksums_ignore_line_endings_and_follow_sha384() {
        assert_eq!(
            checksum("CREATE TABLE t (a INT);\r\nDROP TABLE t;\r\n"),
            checksum("CREATE TABLE t (a INT);\nDROP TABLE t;\n")
        );
        assert_ne!(checksum("CREATE TABLE t (a INT);"), checksum("CREATE TABLE t (b INT);"));
        // SHA-384 of the empty string.
        assert_eq!(
            hex(&checksum("")),
            "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"
        );
    }

    #[test]
    fn named_versions_in_text_order() {
        let d = TempDir::new("named");
        d.file("0002_b.up.sql", "ALTER TABLE a ADD b INT;")
            .file("0001_a_second.up.sql", "CREATE TABLE c (x INT);")
            .file("0001_a_second.down.sql", "DROP TABLE c;")
            .file("0001_a_first.up.sql", "CREATE TABLE a (x INT);")
            .file("0003_c_up.sql", "ALTER TABLE a ADD c INT;")
            .file("0003_c_down.sql", "ALTER TABLE a DROP COLUMN c;")
            .file("0004_typo.down.sql", "DROP TABLE nothing;")
            .file("strata.toml", "dialect = \"sqlite\"\nversions = \"names\"");
        let set = MigrationSet::load(&d.0, None).expect("loads");
        let got: Vec<(String, i64, bool)> =
            set.migrations.iter().map(|m| (m.name(), m.version_number, m.down.is_some())).collect();
        assert_eq!(
            got,
            [
                ("0001_a_first".to_owned(), 1000, false),
                ("0001.1_a_second".to_owned(), 1001, true),
                ("0002_b".to_owned(), 2000, false),
                ("0003_c".to_owned(), 3000, true),
            ]
        );
        assert!(set.migrations.iter().all(|m| m.layout == Layout::Named));
        // `[[effect]]`s name the file, in this layout too.
        let mut with_effect = set.clone();
        with_effect.config.effects =
            vec![crate::Effect { file: "0001_a_second.up.sql".into(), line: 1, sql: None }];
        assert_eq!(with_effect.up_effects(), [(1001, 1, None)]);
        assert_eq!(orphan_downs(&d.0), [d.0.join("0004_typo.down.sql")]);
        // Read by numbers, the same directory is refused (a down file without its up, two
        // migrations of version 0001).
        assert!(matches!(
            discover_as(&d.0, Versions::Numbers),
            Err(DiscoveryError::DownWithoutUp { .. } | DiscoveryError::DuplicateVersion { .. })
        ));
        // The same name twice, once with each spelling of the suffix.
        d.file("0002_b_up.sql", "");
        assert!(matches!(discover(&d.0), Err(DiscoveryError::DuplicateVersion { .. })));
    }

    #[test]
    fn versioned_folders_in_their_numeric_order() {
        let d = TempDir::new("versioned");
        let manifest = |v: &str, files: &str| {
            format!(r#"{{"CurrVersion": "{v}", "Description": "x", "SchemaUpdateCqlFiles": [{files}]}}"#)
        };
        d.file("v1.10/c.sql", "ALTER TABLE t ADD c INT;")
            .file("v1.10/manifest.json", &manifest("1.10", r#""c.sql""#))
            .file("v1.2/b.sql", "ALTER TABLE t ADD b INT;")
            .file("v1.2/a.sql", "CREATE TABLE t (x INT);")
            .file("v1.2/manifest.json", &manifest("1.2", r#""a.sql", "b.sql""#));
        let found = discover(&d.0).expect("loads");
        let names: Vec<String> = found.iter().map(Migration::name).collect();
        assert_eq!(names, ["1.2_a", "1.2.1_b", "1.10_c"]);
        let numbers: Vec<i64> = found.iter().map(|m| m.version_number).collect();
        assert_eq!(numbers, [1_000_002_000, 1_000_002_001, 1_000_010_000]);
        assert!(found.iter().all(|m| m.layout == Layout::Versioned && m.down.is_none()));

        // A manifest that is missing, names another version, or lists a file that is not there.
        for (rel, text, words) in [
            ("v2.0/a.sql", "", "manifest.json`: missing; a versioned folder lists"),
            (
                "v2.0/manifest.json",
                &manifest("2.1", ""),
                "says `CurrVersion` is `2.1`, but the folder is `v2.0`",
            ),
            ("v2.0/manifest.json", &manifest("2.0", r#""gone.sql""#), "lists `gone.sql`"),
            ("v2.0/manifest.json", "{", "EOF while parsing"),
            (
                "v1.1000000/manifest.json",
                &manifest("1.1000000", ""),
                "the minor version must be below 1000000",
            ),
        ] {
            let d = TempDir::new("versioned_bad");
            d.file(rel, text);
            let e = discover(&d.0).expect_err(words);
            assert!(e.to_string().contains(words), "{e}");
        }
    }

    #[test]
    fn a_squash_names_what_it_replaces_which_must_be_gone() {
        let line =
            |v: i64, name: &str| Replaced { version: v, checksum: [0xab; 48], name: name.into() }.line();
        let d = TempDir::new("squash");
        d.file(
            "2_squashed.up.sql",
            &format!("{}\n{}\nCREATE TABLE a (x INT);\n", line(1, "1_a"), line(2, "2_b")),
        )
        .file("3_c.up.sql", "ALTER TABLE a ADD y INT;");
        let found = discover(&d.0).expect("reads");
        assert_eq!(
            found[0].replaces.iter().map(|r| (r.version, r.name.as_str())).collect::<Vec<_>>(),
            [(1, "1_a"), (2, "2_b")]
        );
        assert_eq!(found[0].replaces[0].checksum, [0xab; 48]);
        assert!(found[1].replaces.is_empty());
        // A replaced migration still in the directory.
        d.file("1_a.up.sql", "CREATE TABLE a (x INT);");
        let e = discover(&d.0).expect_err("refused").to_string();
        assert!(e.contains("1_a.up.sql` is squashed into `") && e.contains("remove it"), "{e}");
        // A line that says too little.
        let d = TempDir::new("squash_bad");
        d.file("2_squashed.up.sql", "-- strata:replaces 1 abc 1_a\n");
        let e = discover(&d.0).expect_err("refused").to_string();
        assert!(
            e.contains("2_squashed.up.sql:1: `-- strata:replaces 1 abc 1_a` is not a squash's record"),
            "{e}"
        );
    }

    #[test]
    fn a_timeout_line_that_says_no_duration_is_refused_at_its_line() {
        let d = TempDir::new("timeouts_bad");
        d.file("1_a.up.sql", "CREATE TABLE a (x INT);");
        d.file("1_a.down.sql", "-- strata:lock_timeout 30s\n-- strata:lock_retries many\nDROP TABLE a;");
        let e = discover(&d.0).expect_err("refused").to_string();
        assert!(
            e.contains("1_a.down.sql:2: `-- strata:lock_retries many`: expected a number of retries"),
            "{e}"
        );
        d.file("1_a.down.sql", "-- strata:lock_timeout 30s\nDROP TABLE a;");
        assert!(discover(&d.0).is_ok());
    }

    #[test]
    fn layout_mistakes_are_errors_naming_the_file() {
        let d = TempDir::new("mistakes");
        d.file("1_a.down.sql", "DROP TABLE a;");
        assert!(matches!(discover(&d.0), Err(DiscoveryError::DownWithoutUp { .. })));
        let d = TempDir::new("mixed");
        d.file("1_a.up.sql", "").file("2_b/up.sql", "");
        assert!(matches!(discover(&d.0), Err(DiscoveryError::MixedLayouts { .. })));
        let d = TempDir::new("dup");
        d.file("1_a.up.sql", "").file("01_b.up.sql", "");
        assert!(matches!(discover(&d.0), Err(DiscoveryError::DuplicateVersion { .. })));
        let d = TempDir::new("noconfig");
        d.file("1_a.up.sql", "");
        assert!(matches!(MigrationSet::load(&d.0, None), Err(DiscoveryError::NoConfig { .. })));
        let d = TempDir::new("badconfig");
        d.file("strata.toml", "dialect = \"sqlite\"\ncolour = \"red\"");
        let e = MigrationSet::load(&d.0, None).expect_err("unknown key");
        assert!(e.to_string().contains("colour"), "{e}");
        // A version alone, or with an empty description, is not a migration name.
        for name in ["123.up.sql", "124.sql", "125_.up.sql"] {
            let d = TempDir::new("bare");
            d.file("1_a.up.sql", "").file(name, "");
            let e = discover(&d.0).expect_err("a bare version");
            assert!(matches!(e, DiscoveryError::BadName { .. }) && e.to_string().contains(name), "{e}");
        }
    }
}
