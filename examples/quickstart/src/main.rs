//! strata's quickstart: two models, a history of three migrations embedded in the binary and
//! applied at start-up, then a row written and read back. Nothing to install; the database is
//! a SQLite file (`DATABASE_URL` overrides it).
//!
//! Change a model (add `pub phone: Option<String>` to `User`) and `cargo build` refuses,
//! at the field, with the SQL of the migration that would fix it.
//!
//! `quickstart migrate up | down | status | history | verify | ...` are strata's database
//! commands mounted in this binary, over the migrations it embeds: a container of the app
//! needs nothing else to migrate.

use std::process::ExitCode;

use strata::Model;
use strata::migrate::Policy;

#[derive(Model, sqlx::FromRow, Debug)]
#[strata(table = "users")]
pub struct User {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(unique, max_length = 255)]
    pub email: String,
    pub display_name: Option<String>,
    #[strata(default = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
    pub bio: Option<String>,
}

#[derive(Model, sqlx::FromRow, Debug)]
#[strata(table = "posts", index(columns(author_id), name = "posts_author_id_idx"))]
pub struct Post {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(references = "users(id)", on_delete = "cascade")]
    pub author_id: i64,
    #[strata(max_length = 200)]
    pub title: String,
    #[strata(default = "false")]
    pub published: bool,
}

pub static MIGRATOR: strata::Migrator = strata::embed_migrations!();

#[derive(clap::Parser)]
#[command(about = "strata's quickstart: migrates a SQLite database at start-up, then writes and reads a row")]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Apply, revert and inspect the migrations this binary embeds
    Migrate(strata::cli::Migrate),
}

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://quickstart.db?mode=rwc".to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if let Some(Command::Migrate(mut m)) = <Args as clap::Parser>::parse().command {
        m.database_url.get_or_insert_with(database_url);
        return m.run(&MIGRATOR).await;
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let pool = sqlx::SqlitePool::connect(&database_url()).await?;

    // Development: apply what is pending. Production would say `Policy::Refuse`.
    let startup = MIGRATOR.startup(&pool, Policy::Apply).await?;
    for step in &startup.applied {
        println!("applied  {} in {:.1?}", step.name, step.took);
    }
    println!("{}\n", startup.status);

    let email = format!("ada+{}@example.com", chrono::Utc::now().timestamp_micros());
    let user: User = sqlx::query_as("INSERT INTO users (email, display_name) VALUES (?, ?) RETURNING *")
        .bind(&email)
        .bind("Ada")
        .fetch_one(&pool)
        .await?;
    sqlx::query("INSERT INTO posts (author_id, title) VALUES (?, ?)")
        .bind(user.id)
        .bind("Hello")
        .execute(&pool)
        .await?;
    let posts: Vec<Post> =
        sqlx::query_as("SELECT * FROM posts WHERE author_id = ?").bind(user.id).fetch_all(&pool).await?;
    println!("{user:?}\n{posts:?}");
    println!("\nmodels in this binary: {}", strata::models().map(|t| t.name).collect::<Vec<_>>().join(", "));
    Ok(())
}
