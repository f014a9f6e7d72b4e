//! Replays a migrations directory and prints the resulting schema, or the located error.
//!
//! `cargo run -p strata-schema --example replay -- <dir> [sqlite|postgres|mysql]`

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: replay <migrations dir> [dialect]");
        return ExitCode::FAILURE;
    };
    let dialect = match args.next().map(|d| d.parse()) {
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        None => None,
    };
    let set = match strata_schema::MigrationSet::load(&dir, dialect) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match strata_schema::replay(&set) {
        Ok(schema) => {
            println!("{schema:#?}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
