//! A migrations directory spelled as bytes (see `strata_schema::fuzzing::run`), discovered,
//! checked against its `strata.sum`, replayed and split: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Memory-backed where there is such a place: the directory is written at every input.
    let base = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm".into() } else { std::env::temp_dir() };
    let dir = base.join(format!("strata-fuzz-{}", std::process::id()));
    strata_schema::fuzzing::run(data, &dir);
});
