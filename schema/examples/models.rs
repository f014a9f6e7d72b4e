//! Prints a migrations directory's replayed schema as `#[derive(Model)]` structs.
//!
//! `cargo run -p strata-schema --example models -- <migrations dir> [dialect] [migrations attr]`

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: models <migrations dir> [dialect] [migrations attribute]");
        return std::process::ExitCode::FAILURE;
    };
    let dialect = args.get(1).map(|d| d.parse().expect("a dialect"));
    let run = || -> Result<String, Box<dyn std::error::Error>> {
        let set = strata_schema::MigrationSet::load(std::path::Path::new(dir), dialect)?;
        let mut schema = strata_schema::replay(&set)?;
        schema.normalize(set.config.dialect);
        Ok(strata_schema::models_src::rust_models(
            set.config.dialect,
            &schema,
            args.get(2).map(String::as_str),
        ))
    };
    match run() {
        Ok(src) => {
            print!("{src}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
