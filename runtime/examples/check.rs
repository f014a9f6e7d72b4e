//! Replays a migrations directory, applies it to an in-memory SQLite database one migration
//! at a time, and shows that the database and the replay agree after every step.
//!
//! `cargo run -p strata --example check -- <migrations dir>`

use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions};
use strata::introspect::introspect_sqlite;
use strata::schema::{Dialect, MigrationSet, Schema, render};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: check <migrations dir>");
        return ExitCode::FAILURE;
    };
    match run(&dir).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let set = MigrationSet::load(dir, None)?;
    if set.config.dialect != Dialect::Sqlite {
        return Err(format!(
            "`{}` is for {}; this example runs SQLite",
            dir.display(),
            set.config.dialect.title()
        )
        .into());
    }
    let mut conn = SqliteConnectOptions::from_str("sqlite::memory:")?.connect().await?;
    let mut replayed = Schema::default();
    for m in &set.migrations {
        strata::schema::replay::apply_sql(Dialect::Sqlite, &mut replayed, &m.up.path, &m.up.sql)?;
        sqlx::raw_sql(AssertSqlSafe(m.up.sql.clone())).execute(&mut conn).await?;
        let mut expected = replayed.clone();
        expected.normalize(Dialect::Sqlite);
        let real = introspect_sqlite(&mut conn).await?;
        let agree = strata::schema::diff::compare_schemas(
            Dialect::Sqlite,
            &strata::schema::diff::MIGRATIONS_VS_DATABASE,
            &expected,
            &real,
        )
        .is_empty();
        println!(
            "{} {}  (checksum {}...)",
            if agree { "ok  " } else { "DIFF" },
            m.name(),
            &m.checksum_hex()[..12]
        );
        if !agree {
            return Err(format!("after {} the database and the replay differ", m.name()).into());
        }
    }
    println!("\nThe schema after {} migrations, as strata would write it:\n", set.migrations.len());
    for table in replayed.tables.values() {
        println!("{}\n", render::create_table(Dialect::Sqlite, table));
    }
    Ok(())
}
