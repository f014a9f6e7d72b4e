//! `service`: serves the notes API; `service migrate ...`: strata's database commands over the
//! migrations this binary embeds. See the crate's documentation (src/lib.rs) and README.md.

use std::process::ExitCode;

#[derive(clap::Parser)]
#[command(about = "A notes API on PostgreSQL, its migrations embedded (strata's second example)")]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Apply, revert and inspect the migrations this binary embeds
    Migrate(strata::cli::Migrate),
}

#[tokio::main]
async fn main() -> ExitCode {
    if let Some(Command::Migrate(m)) = <Args as clap::Parser>::parse().command {
        return m.run(&service::MIGRATOR).await;
    }
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "set DATABASE_URL to a PostgreSQL database")?;
    let pool = sqlx::PgPool::connect(&url).await?;
    let policy = service::policy(std::env::var("APP_ENV").ok().as_deref());
    let started = service::start(&pool, policy).await?;
    for m in &started.applied {
        eprintln!("applied migration {}", m.name);
    }
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    eprintln!("serving on http://{} (schema at {:?})", listener.local_addr()?, started.status.current());
    axum::serve(listener, service::router(pool)).await?;
    Ok(())
}
