//! A small PostgreSQL web service built on strata: a notes API whose migrations are embedded
//! in the binary and checked against the models when it compiles.
//!
//! - `service` serves on `BIND` (default `127.0.0.1:3000`) over `DATABASE_URL`. In development
//!   (`APP_ENV` unset or anything but `production`) it applies pending migrations before it
//!   serves; in production it refuses to start while the database is behind, naming the
//!   pending migrations: migrating is a deployment step of its own there.
//! - `service migrate up | down | status | verify | ...` is that step: strata's database
//!   commands, mounted in this binary over the migrations it embeds, so the container that runs
//!   the service needs nothing else to migrate.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::PgPool;
use strata::Model;
use strata::migrate::{MigrateError, Policy, Startup};

/// A note, as the `notes` table holds it.
#[derive(Model, sqlx::FromRow, serde::Serialize, Debug, Clone, PartialEq, Eq)]
#[strata(table = "notes", index(columns(pinned)))]
pub struct Note {
    #[strata(primary_key, auto_increment)]
    pub id: i64,
    #[strata(max_length = 500)]
    pub body: String,
    #[strata(default = "false")]
    pub pinned: bool,
}

/// Every migration in `migrations/`, with its checksum; the build fails if they and the models
/// disagree.
pub static MIGRATOR: strata::Migrator = strata::embed_migrations!();

/// What start-up does about pending migrations: `APP_ENV=production` refuses, anything else
/// applies them.
pub fn policy(app_env: Option<&str>) -> Policy {
    if app_env == Some("production") { Policy::Refuse } else { Policy::Apply }
}

/// The check the service runs before it serves (see [`policy`]); a database ahead of the
/// binary, changed or half migrated is refused whatever the policy.
pub async fn start(pool: &PgPool, policy: Policy) -> Result<Startup, MigrateError> {
    MIGRATOR.startup(pool, policy).await
}

/// The routes: `GET /health`, `GET /notes`, `POST /notes` (`{"body": "...", "pinned": true}`).
pub fn router(pool: PgPool) -> Router {
    Router::new().route("/health", get(health)).route("/notes", get(list).post(create)).with_state(pool)
}

#[derive(serde::Deserialize)]
struct NewNote {
    body: String,
    #[serde(default)]
    pinned: bool,
}

/// `GET /health`: the migration the database is at, and whether it is the newest.
#[derive(serde::Serialize, Debug)]
pub struct Health {
    pub schema: Option<i64>,
    pub up_to_date: bool,
}

async fn health(State(pool): State<PgPool>) -> Result<Json<Health>, StatusCode> {
    let status = MIGRATOR.status(&pool).await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    Ok(Json(Health { schema: status.current(), up_to_date: status.is_up_to_date() }))
}

async fn list(State(pool): State<PgPool>) -> Result<Json<Vec<Note>>, StatusCode> {
    sqlx::query_as("SELECT id, body, pinned FROM notes ORDER BY pinned DESC, id")
        .fetch_all(&pool)
        .await
        .map(Json)
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

async fn create(
    State(pool): State<PgPool>,
    Json(new): Json<NewNote>,
) -> Result<(StatusCode, Json<Note>), StatusCode> {
    if new.body.is_empty() || new.body.chars().count() > 500 {
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }
    sqlx::query_as("INSERT INTO notes (body, pinned) VALUES ($1, $2) RETURNING id, body, pinned")
        .bind(new.body)
        .bind(new.pinned)
        .fetch_one(&pool)
        .await
        .map(|n| (StatusCode::CREATED, Json(n)))
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}
