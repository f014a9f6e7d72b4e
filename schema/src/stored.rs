//! Replays kept between processes, under the build's target directory.
//!
//! A replay is a function of the migrations' text, the configuration and the code that
//! replays, so a schema stored under a key made of all three can stand for the replay: `strata
//! check` and `generate` after a model edit, and a crate rebuilt after one, read it instead of
//! parsing a thousand files again. Only a replay that succeeded is stored (an error is always
//! found again, at its statement); the key holds this build's hash of its own sources
//! (`build.rs`), so a stored schema is never read by code that could replay differently. A
//! file that cannot be read or written is passed over: the store only ever saves time.
//! Nothing is written outside a directory cargo made for its output.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha384};

use crate::migrations::MigrationSet;
use crate::{ReplayError, Schema};

/// How many stored schemas a directory keeps: the newest, one per recent state of the
/// migrations (a branch switched back and forth reads its own).
const KEEP: usize = 8;

/// The replay of `set` (as [`crate::replay`] gives it), read from `store` when a replay of
/// the same migrations by the same build was stored there, and stored there when not.
pub fn replay(set: &MigrationSet, store: Option<&Path>) -> Result<Schema, ReplayError> {
    let Some(store) = store else {
        return crate::replay(set);
    };
    let file = store.join(format!("{}.json", key(set)));
    if let Some(schema) = std::fs::read(&file).ok().and_then(|b| serde_json::from_slice(&b).ok()) {
        return Ok(schema);
    }
    let schema = crate::replay(set)?;
    save(store, &file, &schema);
    Ok(schema)
}

/// The key of a replay: this build, the configuration, and every up file's path and text.
/// The text is the checksum discovery already made (SHA-384, line endings read as `\n`), and
/// the exact bytes only of a file with a carriage return in it, where the two may differ.
fn key(set: &MigrationSet) -> String {
    let mut h = Sha384::new();
    h.update(env!("STRATA_REPLAY_BUILD"));
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

fn save(store: &Path, file: &Path, schema: &Schema) {
    let Ok(bytes) = serde_json::to_vec(schema) else { return };
    if std::fs::create_dir_all(store).is_err() {
        return;
    }
    // Written aside, then renamed: a reader never sees half a file.
    let temp =
        store.join(format!(".{}.{}", std::process::id(), file.file_name().unwrap_or_default().display()));
    if std::fs::write(&temp, bytes).is_err() || std::fs::rename(&temp, file).is_err() {
        std::fs::remove_file(&temp).ok();
        return;
    }
    prune(store);
}

/// Removes all but the [`KEEP`] newest stored schemas.
fn prune(store: &Path) {
    let Ok(entries) = std::fs::read_dir(store) else { return };
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

/// Where a command run in `dir` keeps its replays: `STRATA_REPLAY_STORE` when set (`off`: not
/// at all), else `strata/replays` under `CARGO_TARGET_DIR`, else under the nearest `target`
/// directory above `dir` that cargo made (it holds `CACHEDIR.TAG`). `None` when there is none:
/// nothing is ever written into the sources.
pub fn store_for(dir: &Path) -> Option<PathBuf> {
    if let Some(given) = given() {
        return given;
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(t).join("strata").join("replays"));
    }
    let dir = std::path::absolute(dir).ok()?;
    dir.ancestors()
        .map(|a| a.join("target"))
        .find(|t| t.join("CACHEDIR.TAG").is_file())
        .map(|t| t.join("strata").join("replays"))
}

/// `STRATA_REPLAY_STORE`: a directory, or `off`.
fn given() -> Option<Option<PathBuf>> {
    let v = std::env::var_os("STRATA_REPLAY_STORE")?;
    Some((v != "off").then(|| PathBuf::from(v)))
}

/// Where the compiler process this runs in (a proc macro's) keeps its replays: beside its
/// output directory (`--out-dir`, `target/<profile>/deps`), in `target/<profile>/strata`.
/// `STRATA_REPLAY_STORE` as for [`store_for`]. `None` outside rustc (rust-analyzer's macro
/// server), where replays stay in memory.
pub fn store_of_compiler() -> Option<PathBuf> {
    if let Some(given) = given() {
        return given;
    }
    let mut args = std::env::args_os();
    while let Some(a) = args.next() {
        if a == "--out-dir" {
            let out = PathBuf::from(args.next()?);
            return Some(out.parent()?.join("strata").join("replays"));
        }
        if let Some(out) = a.to_str().and_then(|s| s.strip_prefix("--out-dir=")) {
            return Some(Path::new(out).parent()?.join("strata").join("replays"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::migrations::MigrationSet;

    #[test]
    fn a_stored_replay_stands_for_the_replay_until_the_migrations_change() {
        let root = std::env::temp_dir().join(format!("strata-stored-{}", std::process::id()));
        let (dir, store) = (root.join("migrations"), root.join("store"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join(crate::CONFIG_FILE), "dialect = \"sqlite\"\n").expect("writes");
        std::fs::write(dir.join("1_a.up.sql"), "CREATE TABLE a (id INTEGER PRIMARY KEY);").expect("writes");
        let set = MigrationSet::load(&dir, None).expect("loads");
        let first = super::replay(&set, Some(&store)).expect("replays");
        assert_eq!(std::fs::read_dir(&store).expect("stored").count(), 1);
        // What is read back is what was stored: change the stored file and see it come back.
        let stored = std::fs::read_dir(&store).expect("stored").next().expect("one").expect("entry").path();
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
        assert_eq!(std::fs::read_dir(&store).expect("stored").count(), 2);
        // A failing replay is not stored, and fails again.
        std::fs::write(dir.join("2_b.up.sql"), "ALTER TABLE nowhere ADD COLUMN c TEXT;").expect("writes");
        let set = MigrationSet::load(&dir, None).expect("loads");
        assert!(super::replay(&set, Some(&store)).is_err());
        assert!(super::replay(&set, Some(&store)).is_err());
        assert_eq!(std::fs::read_dir(&store).expect("stored").count(), 2);
        std::fs::remove_dir_all(&root).ok();
    }
}
