//! The service against a real PostgreSQL (`STRATA_TEST_POSTGRES_URL`; the tests print why they
//! skip without it, and fail under `CI=true`): every migration round-trips, production refuses
//! to start while the database is behind and development migrates, the API reads and writes
//! through the migrated schema, and the binary carries `service migrate ...`.

use std::str::FromStr;

use sqlx::{ConnectOptions, PgPool};
use strata::migrate::{MigrateError, Policy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A fresh database `strata_service_<name>` and its URL, or `None` (with the reason printed).
async fn fresh(name: &str) -> Option<(PgPool, String)> {
    let Ok(url) = std::env::var("STRATA_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "STRATA_TEST_POSTGRES_URL is not set, and CI=true"
        );
        eprintln!("skipped: set STRATA_TEST_POSTGRES_URL to run the service against PostgreSQL");
        return None;
    };
    let db = format!("strata_service_{name}");
    let mut admin =
        sqlx::postgres::PgConnectOptions::from_str(&url).expect("a URL").connect().await.expect("reachable");
    for sql in [format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"), format!("CREATE DATABASE {db}")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.expect("a database is created");
    }
    let (base, _) = url.split_once('?').unwrap_or((&url, ""));
    let url = format!("{}/{db}", base.rsplit_once('/').expect("a database in the URL").0);
    Some((PgPool::connect(&url).await.expect("connects"), url))
}

#[tokio::test]
async fn every_migration_round_trips() {
    let Some((pool, _)) = fresh("round_trip").await else { return };
    let report = strata::testing::round_trip(&pool, &service::MIGRATOR).await.expect("round trips");
    assert_eq!(report.checked.len(), service::MIGRATOR.migrations().len());
}

#[tokio::test]
async fn production_refuses_to_start_behind_and_development_migrates() {
    let Some((pool, _)) = fresh("startup").await else { return };
    let all: Vec<String> = service::MIGRATOR.migrations().iter().map(|m| m.name()).collect();

    match service::start(&pool, service::policy(Some("production"))).await {
        Err(MigrateError::Pending { pending }) => assert_eq!(pending, all),
        other => panic!("production started on a database behind it: {other:?}"),
    }
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'notes'")
            .fetch_one(&pool)
            .await
            .expect("reads");
    assert_eq!(tables, 0, "refusing changed nothing");

    let started = service::start(&pool, service::policy(None)).await.expect("development migrates");
    assert_eq!(started.applied.iter().map(|s| s.name.clone()).collect::<Vec<_>>(), all);
    assert!(started.status.is_up_to_date());
    service::start(&pool, Policy::Refuse).await.expect("production starts once migrated");
}

/// One HTTP/1.1 request to `addr`: the status code and the body.
async fn http(addr: std::net::SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("the service listens");
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reads");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn the_api_reads_and_writes_notes() {
    let Some((pool, _)) = fresh("api").await else { return };
    service::MIGRATOR.run(&pool).await.expect("migrates");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(axum::serve(listener, service::router(pool)).into_future());

    let (status, body) = http(addr, "POST", "/notes", Some(r#"{"body": "migrate first"}"#)).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = http(addr, "POST", "/notes", Some(r#"{"body": "pinned", "pinned": true}"#)).await;
    assert_eq!(status, 201);
    let (status, _) = http(addr, "POST", "/notes", Some(r#"{"body": ""}"#)).await;
    assert_eq!(status, 422);
    let (status, body) = http(addr, "GET", "/notes", None).await;
    assert_eq!(status, 200);
    let notes: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(notes[0]["body"], "pinned", "{notes}");
    assert_eq!(notes[1]["pinned"], false, "{notes}");
    let (_, body) = http(addr, "GET", "/health", None).await;
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(health["schema"], service::MIGRATOR.latest().expect("migrations").version, "{health}");
    assert_eq!(health["up_to_date"], true, "{health}");
}

/// The binary: in production it will not serve a database that is behind, and says which
/// migrations are pending; `service migrate up` is the deployment step that fixes it.
#[tokio::test]
async fn the_binary_refuses_in_production_and_carries_migrate() {
    let Some((_, url)) = fresh("binary").await else { return };
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_service"));
        c.args(args).env("DATABASE_URL", &url).env("BIND", "127.0.0.1:0");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("the binary runs")
    };
    let out = run(&[], &[("APP_ENV", "production")]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("the database is behind this binary: 2 pending"), "{said}");

    let out = run(&["migrate", "up", "--json"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let up: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(up["applied"].as_array().map(Vec::len), Some(2), "{up}");
    let out = run(&["migrate", "status", "--json"], &[]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(status["up_to_date"], true, "{status}");
    let out = run(&["migrate", "verify"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
