//! The replay of the reference workload (`../shared/bench`: 200 tables, 1000 migrations, 2000
//! files): reading the files and replaying them, per dialect, against the 40 ms budget; and the
//! per-process cache that lets 200 models share one replay.
//!
//! `cargo bench -p strata-schema` (generates the workload into `target/workload` first if
//! needed; `STRATA_BENCH_WORKLOAD` points elsewhere).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use strata_schema::{Dialect, MigrationSet, cache, replay};

const BUDGET: Duration = Duration::from_millis(40);
const RUNS: usize = 25;

fn workload() -> PathBuf {
    if let Some(dir) = std::env::var_os("STRATA_BENCH_WORKLOAD") {
        return PathBuf::from(dir);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = root.join("target/workload");
    if !out.join("manifest.json").is_file() {
        let generator = root.join("../shared/bench/gen_schema.py");
        let status = Command::new("python3")
            .arg(&generator)
            .args(["-n", "200", "-m", "1000", "--seed", "42", "-o"])
            .arg(&out)
            .status()
            .expect("python3 runs the workload generator");
        assert!(status.success(), "{} failed", generator.display());
    }
    out
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let root = workload();
    println!("replay of the reference workload ({}), {RUNS} runs each, release build", root.display());
    println!("{:<10} {:>10} {:>10} {:>9} {:>12}", "dialect", "median", "min", "files", "vs 40 ms");
    for d in Dialect::ALL {
        let dir = root.join(d.name()).join("migrations");
        let mut times = Vec::with_capacity(RUNS);
        let mut files = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            let set = MigrationSet::load(&dir, Some(d)).expect("the workload reads");
            let schema = replay(&set).expect("the workload replays");
            times.push(start.elapsed());
            files = set.files().len();
            assert_eq!(schema.tables.len(), 200);
        }
        let (med, min) = (median(times.clone()), times.iter().min().copied().unwrap_or_default());
        println!(
            "{:<10} {:>8.1}ms {:>8.1}ms {:>9} {:>11.2}x",
            d.name(),
            med.as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3,
            files,
            med.as_secs_f64() / BUDGET.as_secs_f64()
        );
    }

    // 200 models of one crate ask for the same directory; only the first replays.
    let dir = root.join("sqlite/migrations");
    std::fs::write(dir.join(strata_schema::CONFIG_FILE), "dialect = \"sqlite\"\n")
        .expect("writes strata.toml");
    let before = cache::replay_count();
    let start = Instant::now();
    for _ in 0..200 {
        assert!(cache::replayed(&dir).is_ok());
    }
    let elapsed = start.elapsed();
    let replays = cache::replay_count() - before;
    println!(
        "\n200 models asking for the sqlite workload: {replays} replay, {:.1}ms in all ({:.2}ms per model after the first)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e3 / 200.0
    );
    assert_eq!(replays, 1, "the cache replays once per process");
}
