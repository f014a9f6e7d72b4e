//! Writes `strata.sum` for a migrations directory (until `strata generate` keeps it current).
//!
//! `cargo run -p strata-schema --example integrity -- <migrations dir>`

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: integrity <migrations dir>");
        return std::process::ExitCode::FAILURE;
    };
    let set = match strata_schema::MigrationSet::load(std::path::Path::new(&dir), None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let path = set.dir.join(strata_schema::integrity::INTEGRITY_FILE);
    if let Err(e) = std::fs::write(&path, strata_schema::integrity::render(&set)) {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return std::process::ExitCode::FAILURE;
    }
    println!("recorded {} migrations in {}", set.migrations.len(), path.display());
    std::process::ExitCode::SUCCESS
}
