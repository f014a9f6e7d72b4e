//! Replaying a migrations directory once per process, every down proven on the way.
//!
//! Every `#[derive(Model)]` in a crate asks for the same directory; the compiler runs them all
//! in one process, so the first asks and the rest reuse. An entry is keyed by the directory and,
//! for each file in it, its name, size and modification time; the key is checked again when it
//! is more than two seconds old, so an edit inside a long-lived process (rust-analyzer's macro
//! server) replays again, while the models of one compilation do not each walk the directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::Schema;
use crate::migrations::{DiscoveryError, MigrationSet};
use crate::replay::ReplayError;

/// A directory read and replayed.
#[derive(Debug)]
pub struct Replayed {
    pub set: MigrationSet,
    pub schema: Schema,
    /// The downs that do not give back the schema before their up (see [`crate::downs`]).
    pub unrestored: Vec<crate::downs::Unrestored>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// Each file's path, size and modification time, in the order the directory lists them: not
/// sorted, which in a debug build's macros cost more than the rest of the walk (a directory
/// listed in another order only replays again).
type Fingerprint = Vec<(std::ffi::OsString, u64, Option<SystemTime>)>;

struct Entry {
    fingerprint: Fingerprint,
    checked: Instant,
    replayed: Arc<Result<Replayed, LoadError>>,
}

/// How long an entry is trusted without looking at the directory again.
const TRUST: Duration = Duration::from_secs(2);

static CACHE: LazyLock<Mutex<HashMap<PathBuf, Entry>>> = LazyLock::new(Mutex::default);
static REPLAYS: AtomicUsize = AtomicUsize::new(0);

/// How many times this process has replayed a directory (for tests and benchmarks).
pub fn replay_count() -> usize {
    REPLAYS.load(Ordering::Relaxed)
}

/// The replayed schema of `dir`, from the cache when nothing in it changed.
pub fn replayed(dir: &Path) -> Arc<Result<Replayed, LoadError>> {
    let Ok(mut cache) = CACHE.lock() else {
        return Arc::new(load(dir));
    };
    if let Some(e) = cache.get_mut(dir) {
        if e.checked.elapsed() < TRUST {
            return Arc::clone(&e.replayed);
        }
        let now = fingerprint(dir);
        if now == e.fingerprint {
            e.checked = Instant::now();
            return Arc::clone(&e.replayed);
        }
    }
    // The lock stays held while loading, so models expanded on other threads wait for this
    // replay instead of running their own.
    let fingerprint = fingerprint(dir);
    let replayed = Arc::new(load(dir));
    cache.insert(
        dir.to_owned(),
        Entry { fingerprint, checked: Instant::now(), replayed: Arc::clone(&replayed) },
    );
    replayed
}

fn load(dir: &Path) -> Result<Replayed, LoadError> {
    REPLAYS.fetch_add(1, Ordering::Relaxed);
    let set = MigrationSet::load(dir, None)?;
    // Stored between compiler processes: a crate rebuilt after a model edit reads the replay
    // its last build made of the same migrations.
    // Every down proven on the way; what was proven before is read with the replay.
    let (mut schema, unrestored) =
        crate::stored::replay_proving(&set, crate::stored::Store::of_compiler().as_ref())?;
    schema.normalize(set.config.dialect);
    Ok(Replayed { set, schema, unrestored })
}

fn fingerprint(dir: &Path) -> Fingerprint {
    let mut out = Vec::new();
    walk(dir, &mut out, 0);
    out
}

fn walk(dir: &Path, out: &mut Fingerprint, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() && depth == 0 {
            walk(&entry.path(), out, depth + 1);
        } else {
            out.push((entry.path().into_os_string(), meta.len(), meta.modified().ok()));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn many_models_replay_once() {
        let dir = std::env::temp_dir().join(format!("strata-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join(crate::CONFIG_FILE), "dialect = \"sqlite\"\n").expect("writes");
        std::fs::write(dir.join("1_a.up.sql"), "CREATE TABLE a (id INTEGER PRIMARY KEY);").expect("writes");
        let before = super::replay_count();
        for _ in 0..100 {
            let r = super::replayed(&dir);
            assert!(r.as_ref().as_ref().is_ok_and(|r| r.schema.table("a").is_some()));
        }
        assert_eq!(super::replay_count() - before, 1);
        std::fs::remove_dir_all(&dir).ok();
    }
}
