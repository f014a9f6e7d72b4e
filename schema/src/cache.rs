//! Replaying a migrations directory once per process.
//!
//! Every `#[derive(Model)]` in a crate asks for the same directory; the compiler runs them all
//! in one process, so the first asks and the rest reuse. The key is the directory and, for each
//! file in it, its name, size and modification time: an edit between two compilations (or
//! inside a long-lived process such as rust-analyzer) replays again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

use crate::migrations::{DiscoveryError, MigrationSet};
use crate::replay::ReplayError;
use crate::{Schema, replay};

/// A directory read and replayed.
#[derive(Debug)]
pub struct Replayed {
    pub set: MigrationSet,
    pub schema: Schema,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>)>;

static CACHE: LazyLock<Mutex<HashMap<PathBuf, (Fingerprint, Arc<Result<Replayed, LoadError>>)>>> =
    LazyLock::new(Mutex::default);
static REPLAYS: AtomicUsize = AtomicUsize::new(0);

/// How many times this process has replayed a directory (for tests and benchmarks).
pub fn replay_count() -> usize {
    REPLAYS.load(Ordering::Relaxed)
}

/// The replayed schema of `dir`, from the cache when nothing in it changed.
pub fn replayed(dir: &Path) -> Arc<Result<Replayed, LoadError>> {
    let key = dir.to_owned();
    let fingerprint = fingerprint(dir);
    if let Ok(cache) = CACHE.lock()
        && let Some((f, r)) = cache.get(&key)
        && *f == fingerprint
    {
        return Arc::clone(r);
    }
    let result = Arc::new(load(dir));
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(key, (fingerprint, Arc::clone(&result)));
    }
    result
}

fn load(dir: &Path) -> Result<Replayed, LoadError> {
    REPLAYS.fetch_add(1, Ordering::Relaxed);
    let set = MigrationSet::load(dir, None)?;
    let mut schema = replay(&set)?;
    schema.normalize(set.config.dialect);
    Ok(Replayed { set, schema })
}

fn fingerprint(dir: &Path) -> Fingerprint {
    let mut out = Vec::new();
    walk(dir, &mut out, 0);
    out.sort();
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
            out.push((entry.path(), meta.len(), meta.modified().ok()));
        }
    }
}
