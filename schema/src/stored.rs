//! Results kept between processes, under the build's target directory.
//!
//! A replay is a function of the migrations' text, the configuration and the code that
//! replays, so a schema stored under a key made of all three can stand for the replay: `strata
//! check` and `generate` after a model edit, and a crate rebuilt after one, read it instead of
//! parsing a thousand files again. The CLI keeps the models it read the same way, keyed by the
//! sources' text and its own build. Only what succeeded is stored (an error is always found
//! again, at its place); a key holds a hash of the sources of the code that made the value
//! (`build.rs`), so nothing stored is read by code that could make it differently. A file that
//! cannot be read or written is passed over: the store only ever saves time. Nothing is
//! written outside a directory cargo made for its output.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha384};

use crate::migrations::MigrationSet;
use crate::{ReplayError, Schema};

/// This build of strata-schema: its version and a hash of its sources.
pub const BUILD: &str = env!("STRATA_REPLAY_BUILD");

/// How many values of one kind a store keeps: the newest, one per recent state of the
/// sources (a branch switched back and forth reads its own).
const KEEP: usize = 8;

/// The store's directory under a target directory: a name no binary, library or profile of
/// cargo's can take (they cannot hold a dot).
const NAME: &str = "strata.store";

/// A directory of stored values, one subdirectory per kind, one file per key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store(PathBuf);

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store(dir.into())
    }

    /// Where a command run in `dir` keeps its values: `STRATA_STORE` when set (`off`: not at
    /// all), else `strata.store/` under `CARGO_TARGET_DIR`, else under the nearest `target`
    /// directory above `dir` that cargo made (it holds `CACHEDIR.TAG`). `None` when there is
    /// none: nothing is ever written into the sources.
    pub fn for_dir(dir: &Path) -> Option<Store> {
        if let Some(given) = given() {
            return given;
        }
        if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
            return Some(Store(PathBuf::from(t).join(NAME)));
        }
        let dir = std::path::absolute(dir).ok()?;
        dir.ancestors()
            .map(|a| a.join("target"))
            .find(|t| t.join("CACHEDIR.TAG").is_file())
            .map(|t| Store(t.join(NAME)))
    }

    /// Where the compiler process this runs in (a proc macro's) keeps its values: beside its
    /// output directory (`--out-dir`, `target/<profile>/deps`), in `target/<profile>/strata.store`.
    /// `STRATA_STORE` as for [`Store::for_dir`]. `None` outside rustc (rust-analyzer's macro
    /// server), where replays stay in memory.
    pub fn of_compiler() -> Option<Store> {
        if let Some(given) = given() {
            return given;
        }
        let mut args = std::env::args_os();
        while let Some(a) = args.next() {
            let out = if a == "--out-dir" {
                PathBuf::from(args.next()?)
            } else if let Some(out) = a.to_str().and_then(|s| s.strip_prefix("--out-dir=")) {
                PathBuf::from(out)
            } else {
                continue;
            };
            return Some(Store(out.parent()?.join(NAME)));
        }
        None
    }

    /// The value of `kind` stored under `key`, if one is there and reads.
    pub fn get<T: DeserializeOwned>(&self, kind: &str, key: &str) -> Option<T> {
        let bytes = std::fs::read(self.0.join(kind).join(format!("{key}.json"))).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores `value` of `kind` under `key`, keeping the [`KEEP`] newest of that kind.
    pub fn put<T: Serialize>(&self, kind: &str, key: &str, value: &T) {
        let Ok(bytes) = serde_json::to_vec(value) else { return };
        let dir = self.0.join(kind);
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        // Written aside, then renamed: a reader never sees half a file.
        let (file, temp) =
            (dir.join(format!("{key}.json")), dir.join(format!(".{}.{key}", std::process::id())));
        if std::fs::write(&temp, bytes).is_err() || std::fs::rename(&temp, &file).is_err() {
            std::fs::remove_file(&temp).ok();
            return;
        }
        prune(&dir);
    }
}

/// `STRATA_STORE`: a directory, or `off`.
fn given() -> Option<Option<Store>> {
    let v = std::env::var_os("STRATA_STORE")?;
    Some((v != "off").then(|| Store(PathBuf::from(v))))
}

/// The replay of `set` (as [`crate::replay`] gives it), read from `store` when a replay of
/// the same migrations by the same build was stored there, and stored there when not.
pub fn replay(set: &MigrationSet, store: Option<&Store>) -> Result<Schema, ReplayError> {
    let Some(store) = store else {
        return crate::replay(set);
    };
    let key = key(set);
    if let Some(schema) = store.get("replays", &key) {
        return Ok(schema);
    }
    let schema = crate::replay(set)?;
    store.put("replays", &key, &schema);
    Ok(schema)
}

/// [`crate::downs::replay_proving`] of `set`, read from `store` when the same migrations' replay
/// was stored there with every down proven; stored there (the schema, and that the downs are
/// proven when they all are) when not. A down found wanting is found again each time, at its
/// place.
pub fn replay_proving(
    set: &MigrationSet,
    store: Option<&Store>,
) -> Result<(Schema, Vec<crate::downs::Unrestored>), ReplayError> {
    let Some(store) = store else {
        return crate::downs::replay_proving(set);
    };
    let key = key(set);
    let proof = proven_key(set, &key);
    if store.get::<bool>("proven", &proof) == Some(true)
        && let Some(schema) = store.get("replays", &key)
    {
        return Ok((schema, Vec::new()));
    }
    let (schema, found) = crate::downs::replay_proving(set)?;
    store.put("replays", &key, &schema);
    if found.is_empty() {
        store.put("proven", &proof, &true);
    }
    Ok((schema, found))
}

/// Whether `store` holds the word that every down of `set`, as its files are now, was proven.
pub fn proven(set: &MigrationSet, store: &Store) -> bool {
    store.get::<bool>("proven", &proven_key(set, &key(set))) == Some(true)
}

/// The key of a proof: the replay's (`replay_key`), and the text of every down file.
fn proven_key(set: &MigrationSet, replay_key: &str) -> String {
    let mut h = Sha384::new();
    h.update(replay_key);
    for m in &set.migrations {
        h.update([0]);
        if let Some(d) = &m.down {
            h.update(d.path.strip_prefix(&set.dir).unwrap_or(&d.path).as_os_str().as_encoded_bytes());
            h.update([0]);
            h.update(d.sql.as_bytes());
        }
    }
    crate::migrations::hex(&h.finalize())
}

/// The key of a replay: this build, the configuration, and every up file's path and text.
/// The text is the checksum discovery already made (SHA-384, line endings read as `\n`), and
/// the exact bytes only of a file with a carriage return in it, where the two may differ.
fn key(set: &MigrationSet) -> String {
    let mut h = Sha384::new();
    h.update(BUILD);
    h.update([0]);
    h.update(format!("{:?}", set.config));
    for m in &set.migrations {
        h.update([0]);
        h.update(m.version_number.to_le_bytes());
        h.update(m.up.path.strip_prefix(&set.dir).unwrap_or(&m.up.path).as_os_str().as_encoded_bytes());
        h.update([0]);
        h.update(m.checksum);
        if m.up.sql.contains('\r') {
            h.update(m.up.sql.as_bytes());
        }
    }
    crate::migrations::hex(&h.finalize())
}

/// Removes all but the [`KEEP`] newest files of `dir`.
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, f) in files.into_iter().skip(KEEP) {
        std::fs::remove_file(f).ok();
    }
}

#[cfg(test)]
mod tests {
    use crate::migrations::MigrationSet;

    #[test]
    fn a_stored_replay_stands_for_the_replay_until_the_migrations_change() {
        let root = std::env::temp_dir().join(format!("strata-stored-{}", std::process::id()));
        let (dir, store) = (root.join("migrations"), super::Store::new(root.join("store")));
        let stored_dir = root.join("store").join("replays");
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join(crate::CONFIG_FILE), "dialect = \"sqlite\"\n").expect("writes");
        std::fs::write(dir.join("1_a.up.sql"), "CREATE TABLE a (id INTEGER PRIMARY KEY);").expect("writes");
        let set = MigrationSet::load(&dir, None).expect("loads");
        let first = super::replay(&set, Some(&store)).expect("replays");
        assert_eq!(std::fs::read_dir(&stored_dir).expect("stored").count(), 1);
        // What is read back is what was stored: change the stored file and see it come back.
        let stored =
            std::fs::read_dir(&stored_dir).expect("stored").next().expect("one").expect("entry").path();
        let mut edited = first.clone();
        edited.tables.get_mut("a").expect("a").name = "from_the_store".into();
        std::fs::write(&stored, serde_json::to_vec(&edited).expect("serializes")).expect("writes");
        assert_eq!(super::replay(&set, Some(&store)).expect("reads"), edited);
        // An edit to a migration is a new key, replayed and stored beside.
        std::fs::write(dir.join("1_a.up.sql"), "CREATE TABLE a (id INTEGER PRIMARY KEY, b TEXT);")
            .expect("writes");
        let set = MigrationSet::load(&dir, None).expect("loads");
        let second = super::replay(&set, Some(&store)).expect("replays");
        assert!(second.table("a").is_some_and(|t| t.column("b").is_some()));
        assert_eq!(std::fs::read_dir(&stored_dir).expect("stored").count(), 2);
        // A failing replay is not stored, and fails again.
        std::fs::write(dir.join("2_b.up.sql"), "ALTER TABLE nowhere ADD COLUMN c TEXT;").expect("writes");
        let set = MigrationSet::load(&dir, None).expect("loads");
        assert!(super::replay(&set, Some(&store)).is_err());
        assert!(super::replay(&set, Some(&store)).is_err());
        assert_eq!(std::fs::read_dir(&stored_dir).expect("stored").count(), 2);
        std::fs::remove_dir_all(&root).ok();
    }
}
