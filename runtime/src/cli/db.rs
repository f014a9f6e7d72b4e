//! The commands behind [`Migrate`]: connect by the URL's scheme, then the same code for every
//! database.

use std::path::Path;

use serde_json::json;
use strata_schema::{Dialect, Table};

use super::output::{self, Bar, Failure, duration, out, outln, redact};
use super::{Migrate, MigrateCommand};
use crate::Migrator;
use crate::migrate::{Backend, Mark, Migration, Status, Target, create_table_sql, forget_sql, record_sql};

/// Opens a one-connection pool for `url` by its scheme and evaluates `$body` with it, for
/// whichever database the URL names (a SQLite file is created if missing when `$create`, or
/// when the URL says `mode=rwc`).
/// Connecting gives up after `$timeout`, with the cause.
macro_rules! connect {
    ($url:expr, $shown:expr, $timeout:expr, $create:expr, $pool:ident => $body:expr) => {{
        let (url, shown, timeout): (&str, &str, std::time::Duration) = ($url, $shown, $timeout);
        let unreachable = |e: String| {
            Failure::new(format!("cannot reach the database at `{shown}`: {}", redact(&e)))
                .help("is it running, and is the URL right? (`--database-url`, or `DATABASE_URL` in the environment or `.env`)")
        };
        match dialect_of(url)? {
            #[cfg(feature = "sqlite")]
            Dialect::Sqlite => {
                use crate::fleet::SqliteUrl;
                let options = crate::fleet::sqlite_options(url, $create).map_err(|e| match e {
                    SqliteUrl::Bad(e) => Failure::new(format!("cannot read the database URL `{shown}`: {e}")),
                    SqliteUrl::Missing(file) => {
                        Failure::new(format!("there is no SQLite database at `{}`", file.display()))
                            .help("`strata up` creates it; otherwise check the path in the URL")
                    }
                })?;
                let $pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(timeout)
                    .connect_with(options)
                    .await
                    .map_err(|e| unreachable(e.to_string()))?;
                $body
            }
            #[cfg(feature = "postgres")]
            Dialect::Postgres => {
                let $pool = pool::<sqlx::Postgres>(url, timeout).await.map_err(unreachable)?;
                $body
            }
            #[cfg(feature = "mysql")]
            Dialect::Mysql => {
                let $pool = pool::<sqlx::MySql>(url, timeout).await.map_err(unreachable)?;
                $body
            }
            #[allow(unreachable_patterns)]
            d => Err(Failure::new(format!(
                "this binary was built without {} support, so it cannot open `{shown}`",
                d.title()
            ))
            .help(format!("build it with the `{}` feature of strata", d.name()))),
        }
    }};
}

/// How long connecting may take: `--connect-timeout`, else `STRATA_CONNECT_TIMEOUT`, else 5 s.
pub(crate) fn connect_timeout(given: Option<u64>) -> std::time::Duration {
    let seconds = given
        .or_else(|| std::env::var("STRATA_CONNECT_TIMEOUT").ok().and_then(|s| s.trim().parse().ok()))
        .unwrap_or(5);
    std::time::Duration::from_secs(seconds.max(1))
}

/// A one-connection pool for a server at `url`, or why there is none (the cause, where
/// connecting timed out).
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn pool<DB: sqlx::Database>(url: &str, timeout: std::time::Duration) -> Result<sqlx::Pool<DB>, String> {
    let options: <DB::Connection as sqlx::Connection>::Options =
        url.parse().map_err(|e: sqlx::Error| e.to_string())?;
    crate::fleet::pool::<DB>(options, timeout).await
}

pub(super) async fn execute(
    args: &Migrate,
    migrator: &Migrator,
    models: Vec<Table>,
    dir: Option<&Path>,
) -> Result<(), Failure> {
    match &args.command {
        MigrateCommand::Fleet(f) => return super::fleet::execute(args, f, migrator).await,
        MigrateCommand::History { verbose, json } => {
            history(migrator, *verbose, *json);
            return Ok(());
        }
        MigrateCommand::Sql { range, down } => {
            let dialect = match migrator.dialect() {
                Some(d) => d,
                None => dialect_of(&url(args)?)?,
            };
            out!("{}", script(migrator, dialect, range.as_deref(), *down)?);
            return Ok(());
        }
        _ => {}
    }
    let url = url(args)?;
    let shown = redact(&url);
    // Migrations written for one database do not run on another: said before anything runs.
    if let Some(written) = migrator.dialect() {
        let given = dialect_of(&url)?;
        if given != written {
            return Err(Failure::new(format!(
                "the migrations are written for {} (`strata.toml`), but `{shown}` is a {} database",
                written.title(),
                given.title()
            ))
            .help("check the URL (`--database-url`, or `DATABASE_URL` in the environment or `.env`)"));
        }
    }
    // Only the commands that write a history may make a SQLite database file; a mistyped path
    // given to one that reads is an error, not a new empty database.
    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
    let create = matches!(args.command, MigrateCommand::Up { .. } | MigrateCommand::Stamp { .. });
    let cx = Cx { migrator, models, dir, shown: &shown };
    connect!(&url, &shown, connect_timeout(args.connect_timeout), create, pool => run(&cx, &args.command, &pool).await)
}

/// The live schema at `url` (the history table left out), and its dialect.
pub(crate) async fn introspect(url: &str) -> Result<(Dialect, strata_schema::Schema), Failure> {
    let shown = redact(url);
    connect!(url, &shown, connect_timeout(None), false, pool => read_schema(&pool).await)
}

async fn read_schema<DB: Backend>(
    pool: &sqlx::Pool<DB>,
) -> Result<(Dialect, strata_schema::Schema), Failure> {
    let mut conn = pool.acquire().await.map_err(|e| Failure::new(redact(&e.to_string())))?;
    let mut schema = DB::introspect(&mut conn).await.map_err(|e| Failure::new(redact(&e.to_string())))?;
    schema.tables.retain(|_, t| {
        !crate::introspect::BOOKKEEPING_TABLES.iter().any(|b| b.eq_ignore_ascii_case(&t.name))
            && !crate::introspect::is_foreign_history(t)
    });
    Ok((DB::DIALECT, schema))
}

struct Cx<'a> {
    migrator: &'a Migrator,
    models: Vec<Table>,
    dir: Option<&'a Path>,
    shown: &'a str,
}

impl Cx<'_> {
    /// Where a migration's file is, for errors about it.
    /// The up file of migration `name`, or its down file.
    fn file_of(&self, name: &str, down: bool) -> Option<std::path::PathBuf> {
        let found = strata_schema::migrations::discover(self.dir?).ok()?;
        let m = found.into_iter().find(|m| m.name() == name)?;
        if down { m.down.map(|d| d.path) } else { Some(m.up.path) }
    }
}

/// The database URL: `--database-url`, else `DATABASE_URL` (from the environment or `.env`).
fn url(args: &Migrate) -> Result<String, Failure> {
    database_url(args.database_url.as_deref())
}

/// `given`, else `DATABASE_URL` from the environment or `.env`.
pub(crate) fn database_url(given: Option<&str>) -> Result<String, Failure> {
    if let Some(u) = given {
        return Ok(u.to_owned());
    }
    let _ = super::load_dotenv();
    std::env::var("DATABASE_URL").map_err(|_| {
        Failure::new("no database given")
            .help("pass `--database-url <URL>`, or set `DATABASE_URL` in the environment or in a `.env` file")
    })
}

/// The dialect of a database URL, by its scheme.
pub fn dialect_of(url: &str) -> Result<Dialect, Failure> {
    let scheme = url.split(':').next().unwrap_or("");
    match scheme {
        "sqlite" => Ok(Dialect::Sqlite),
        "postgres" | "postgresql" => Ok(Dialect::Postgres),
        "mysql" | "mariadb" => Ok(Dialect::Mysql),
        _ => Err(Failure::new(format!("`{}` is not a database URL strata knows", redact(url)))
            .help("use `sqlite://<file>`, `postgres://...` or `mysql://...`")),
    }
}

async fn run<DB: Backend>(
    cx: &Cx<'_>,
    command: &MigrateCommand,
    pool: &sqlx::Pool<DB>,
) -> Result<(), Failure> {
    let m = cx.migrator;
    match command {
        MigrateCommand::Up { target, to, out_of_order, json } => {
            let target = up_target(m, to.as_deref().or(target.as_deref()))?;
            let mut bar = Bar::new("applying").silent(*json);
            let run = m.allow_out_of_order(*out_of_order);
            let report =
                run.run_with(pool, target, &mut |p| bar.update(p)).await.map_err(|e| failed(cx, e))?;
            if *json {
                outln!(
                    "{}",
                    json!({ "version": 1, "applied": steps_json(&report.applied), "at": at_json(m, report.at) })
                );
            } else if report.applied.is_empty() {
                outln!("nothing to apply: the database is at {}", describe(m, report.at));
            } else {
                outln!("the database is at {}", describe(m, report.at));
            }
        }
        MigrateCommand::Down { target, to, json } => {
            let target = down_target(m, to.as_deref().or(target.as_deref()))?;
            let mut bar = Bar::new("reverting").silent(*json);
            let report =
                m.undo_with(pool, target, &mut |p| bar.update(p)).await.map_err(|e| failed(cx, e))?;
            if *json {
                outln!(
                    "{}",
                    json!({ "version": 1, "reverted": steps_json(&report.reverted), "at": at_json(m, report.at) })
                );
            } else if report.reverted.is_empty() {
                outln!("nothing to revert: the database is at {}", describe(m, report.at));
            } else {
                outln!("the database is at {}", describe(m, report.at));
            }
        }
        MigrateCommand::Status { json } => {
            let status = m.status(pool).await?;
            if *json {
                outln!("{}", status_json(&status));
            } else {
                print_status(m, &status, cx.shown);
            }
            inconsistent(&status)?;
        }
        MigrateCommand::Current { json } => {
            let status = m.status(pool).await?;
            let half = status.entries.iter().find(|e| e.applied.as_ref().is_some_and(|a| !a.success));
            match half {
                _ if *json => outln!(
                    "{}",
                    json!({
                        "version": 1,
                        "at": at_json(m, status.current()),
                        "half_done": half.map(|e| json!({ "version": e.migration.version, "name": e.migration.name(), "state": half_state(e) })),
                    })
                ),
                Some(e) => outln!("{} (half done: {})", e.migration.name(), half_state(e)),
                None => outln!("{}", describe(m, status.current())),
            }
            inconsistent(&status)?;
        }
        MigrateCommand::Repair { force, json } => {
            let status = m.status(pool).await?;
            let changed: Vec<&crate::migrate::Entry> = status
                .entries
                .iter()
                .filter(|e| e.applied.as_ref().is_some_and(|a| a.success && !a.exact))
                .collect();
            if changed.is_empty() {
                if *json {
                    outln!("{}", json!({ "version": 1, "repaired": [] }));
                } else {
                    outln!(
                        "the history records every applied migration as its file is now; nothing to repair"
                    );
                }
                return Ok(());
            }
            // An edit that changes what a migration does is not repaired: it goes in a new one.
            let differences = m.differences_at(pool, status.current()).await?;
            if !differences.is_empty() && !force {
                let mut f = Failure::new(format!(
                    "the database does not hold what the migrations make now ({} difference(s)), so the checksums of {} are not repaired: an edit changed what a migration does",
                    differences.len(),
                    changed.iter().map(|e| e.migration.name()).collect::<Vec<_>>().join(", ")
                ))
                .found();
                f.notes.extend(differences);
                return Err(f.help(format!(
                    "restore the edited files (`git log -p`), and put the change in a new migration; `{} repair --force` records the checksums anyway",
                    output::command()
                )));
            }
            let repaired = m.repair(pool).await?;
            if *json {
                outln!("{}", json!({ "version": 1, "repaired": steps_json(&repaired) }));
            }
            for s in repaired.iter().filter(|_| !*json) {
                outln!("repaired  {} (the history records its file as it is now)", s.name);
            }
        }
        MigrateCommand::Mark { migration: text, done, undone, through, json } => {
            let x = version(m, text)?;
            let mark = match (done, undone, through) {
                (true, _, _) => Mark::Done,
                (_, true, _) => Mark::Undone,
                (_, _, Some(n)) => Mark::Through(*n),
                _ => {
                    return Err(Failure::new("say what to record: `--done`, `--undone` or `--through N`")
                        .help(format!("`{} status` shows how far the migration got", output::command())));
                }
            };
            let reverting = m.status(pool).await?.entries.iter().any(|e| {
                e.migration.version == x.version
                    && e.applied.as_ref().and_then(|a| a.partial.as_ref()).is_some_and(|p| p.reverting)
            });
            m.mark(pool, x.version, mark).await?;
            if *json {
                let (what, n) = match mark {
                    Mark::Done => ("done", None),
                    Mark::Undone => ("undone", None),
                    Mark::Through(n) => ("through", Some(n)),
                };
                let at = m.status(pool).await?.current();
                outln!(
                    "{}",
                    json!({ "version": 1, "migration": { "version": x.version, "name": x.name() }, "mark": what, "through": n, "at": at_json(m, at) })
                );
                return Ok(());
            }
            match mark {
                Mark::Done => outln!("recorded {} as applied (no SQL was run)", x.name()),
                Mark::Undone => outln!("recorded {} as not applied (no SQL was run)", x.name()),
                Mark::Through(n) => outln!(
                    "recorded {} of {} as in; `{} {}` carries on from statement {}",
                    match n {
                        0 => "none of the statements".to_owned(),
                        1 => "statement 1".to_owned(),
                        n => format!("statements 1–{n}"),
                    },
                    x.name(),
                    output::command(),
                    if reverting { "down" } else { "up" },
                    n + 1
                ),
            }
            outln!("the database is at {}", at(m, pool).await?);
        }
        MigrateCommand::Stamp { target, force, json } => {
            let version = match target.as_str() {
                "base" => None,
                "head" => m.latest().map(|l| l.version),
                v => Some(version(m, v)?.version),
            };
            // A baseline is a claim about the schema: checked before it is recorded.
            let differences = m.differences_at(pool, version).await?;
            if !differences.is_empty() && !force {
                let mut f = Failure::new(format!(
                    "the database does not hold what the migrations make at {}, so it is not recorded as there; it differs in {} way(s):",
                    describe(m, version),
                    differences.len()
                ))
                .found();
                f.notes.extend(differences);
                return Err(f.help(format!(
                    "bring the database there first, or stamp the version it does match; `stamp {target} --force` records it anyway"
                )));
            }
            let report = m.stamp(pool, version).await?;
            if *json {
                outln!(
                    "{}",
                    json!({ "version": 1, "recorded": steps_json(&report.applied), "forgotten": steps_json(&report.reverted), "at": at_json(m, version) })
                );
                return Ok(());
            }
            for s in &report.applied {
                outln!("recorded  {}", s.name);
            }
            for s in &report.reverted {
                outln!("forgotten {}", s.name);
            }
            outln!("the database is recorded at {} (no SQL was run)", describe(m, version));
        }
        MigrateCommand::Adopt { from, force, json } => {
            let from = from.as_deref().and_then(crate::migrate::Tool::parse);
            let adoption = match m.adopt(pool, from, *force).await {
                Ok(a) => a,
                Err(crate::migrate::MigrateError::AdoptDiffers { tool, at, differences }) => {
                    let mut f = Failure::new(format!(
                        "the database does not hold what the migrations make at {at}, where {tool} records it, so its history is not adopted; it differs in {} way(s):",
                        differences.len()
                    ))
                    .found();
                    f.notes.extend(differences);
                    return Err(f.help(
                        "are these the migrations it ran? Bring the database there (or put what differs in the migrations), and adopt again; `adopt --force` records it anyway",
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            let r = &adoption.report;
            if *json {
                outln!(
                    "{}",
                    json!({
                        "version": 1,
                        "tool": adoption.tool.name(),
                        "table": adoption.tool.table(),
                        "at": r.at,
                        "recorded": r.applied.iter().map(|s| json!({"version": s.version, "name": s.name})).collect::<Vec<_>>(),
                        "differences": adoption.differences,
                    })
                );
                return Ok(());
            }
            for s in &r.applied {
                outln!("recorded  {}", s.name);
            }
            for d in &adoption.differences {
                outln!("warning: recorded although the database differs: {d}");
            }
            outln!(
                "adopted {}'s history (`{}`, left as it is): the database is recorded at {} (no SQL was run)",
                adoption.tool,
                adoption.tool.table(),
                describe(m, r.at)
            );
        }
        MigrateCommand::Verify { json } => {
            let v = m.verify_tables(pool, cx.models.clone()).await?;
            if *json {
                outln!(
                    "{}",
                    json!({
                        "version": 1,
                        "at": at_json(m, v.version),
                        "clean": v.is_clean(),
                        "pending": v.pending,
                        "against_migrations": v.against_migrations,
                        "against_models": v.against_models,
                        "notes": v.notes,
                    })
                );
                // Printed; the exit code says the rest, as in words.
                return if v.is_clean() && v.pending.is_empty() {
                    Ok(())
                } else {
                    Err(Failure::new("").found())
                };
            }
            if v.is_clean() && v.pending.is_empty() {
                outln!("{v}");
            } else if v.is_clean() {
                let mut f = Failure::new(format!(
                    "the database at `{}` is behind its migrations: {} pending",
                    cx.shown,
                    v.pending.len()
                ))
                .found();
                f.notes.push(format!(
                    "it matches the migrations it has applied, and the models match the schema after the pending ones ({})",
                    v.pending.join(", ")
                ));
                f.notes.extend(v.notes.iter().cloned());
                return Err(f.help(format!(
                    "nothing was changed by hand and no migration is missing: `{} up` applies the pending ones",
                    output::command()
                )));
            } else {
                let mut f = Failure::new(format!(
                    "the database at `{}` has drifted from {}",
                    cx.shown,
                    if v.against_migrations.is_empty() { "the models" } else { "its migrations" }
                ))
                .found();
                f.notes.extend(v.against_migrations.iter().map(|d| format!("against the migrations: {d}")));
                f.notes.extend(v.against_models.iter().map(|d| format!("against the models: {d}")));
                f.notes.extend(v.notes.iter().cloned());
                return Err(f.help(if v.against_migrations.is_empty() {
                    "the models changed after the last migration: `strata generate` writes the migration that brings the database to them"
                } else {
                    "the database was changed outside its migrations: undo the change, or capture it in a migration (`strata generate` writes one from the models)"
                }));
            }
        }
        MigrateCommand::History { .. } | MigrateCommand::Sql { .. } | MigrateCommand::Fleet(_) => {
            unreachable!("handled without a database")
        }
    }
    Ok(())
}

/// The migration the database is at, as JSON: `{"version", "name", "head"}`, or `null` at base
/// (`name` is `null` for a version this binary does not have).
pub(super) fn at_json(m: &Migrator, at: Option<i64>) -> serde_json::Value {
    let Some(v) = at else { return serde_json::Value::Null };
    let found = m.migrations().iter().find(|x| x.version == v);
    json!({
        "version": v,
        "name": found.map(Migration::name),
        "head": m.latest().is_some_and(|l| l.version == v),
    })
}

/// Migrations applied, reverted or recorded, as JSON: `[{"version", "name", "took_ms"}]`.
pub(super) fn steps_json(steps: &[crate::migrate::Step]) -> serde_json::Value {
    steps
        .iter()
        .map(|s| json!({ "version": s.version, "name": s.name, "took_ms": s.took.as_millis() as u64 }))
        .collect()
}

/// Status and current exit non-zero on a history that stops a deploy: a migration half done,
/// or changed after it was applied.
fn inconsistent(status: &Status) -> Result<(), Failure> {
    let half = status.entries.iter().filter(|e| e.applied.as_ref().is_some_and(|a| !a.success)).count();
    let changed = status
        .entries
        .iter()
        .filter(|e| e.applied.as_ref().is_some_and(|a| a.success && !a.checksum_matches))
        .count();
    if half == 0 && changed == 0 {
        return Ok(());
    }
    let mut parts = Vec::new();
    if half > 0 {
        parts.push(format!("{half} migration(s) half done"));
    }
    if changed > 0 {
        parts.push(format!("{changed} changed after it was applied"));
    }
    Err(Failure::new(format!("the history cannot be built on as it is: {}", parts.join(", "))).found().help(if half > 0 {
        format!("fix the statement that failed and run `{0} up` (it carries on), or record what you did by hand with `{0} mark`", output::command())
    } else {
        "restore the changed file as it was applied; a change that is wanted goes in a new migration".to_owned()
    }))
}

/// How far a half-done migration got, in words.
fn half_state(e: &crate::migrate::Entry) -> String {
    let Some(a) = &e.applied else { return String::new() };
    match &a.partial {
        Some(p) => format!("{}{}", if p.reverting { "reverting: " } else { "" }, p.describe()),
        None => "which of its statements are in was not recorded".to_owned(),
    }
}

/// A run's error, pointing at the file of the migration (the up file, or the down file of a
/// revert), at the line and column of the statement that failed, or where the database located
/// the error when it says.
fn failed(cx: &Cx<'_>, e: crate::migrate::MigrateError) -> Failure {
    use crate::migrate::MigrateError as E;
    let located = |name: &str, down: bool, at: Option<(usize, usize)>| {
        cx.file_of(name, down).map(|f| match at {
            Some((line, column)) => format!("{}:{line}:{column}", f.display()),
            None => f.display().to_string(),
        })
    };
    // A lock timeout is the failure of its last try.
    let inner = match &e {
        E::LockTimeout { source, .. } => source.as_ref(),
        e => e,
    };
    let file = match inner {
        E::Failed { name, position, .. } | E::TooLarge { name, position, .. } => {
            located(name, false, *position)
        }
        E::RevertFailed { name, position, .. } => located(name, true, *position),
        E::Stopped { name, position, reverting, .. } => located(name, *reverting, *position),
        E::ChangedInPart { name, reverting, .. } => located(name, *reverting, None),
        E::ChecksumMismatch { name, .. } => located(name, false, None),
        _ => None,
    };
    let failure = Failure::from(e);
    match file {
        Some(f) => failure.at(f),
        None => failure,
    }
}

async fn at<DB: Backend>(m: &Migrator, pool: &sqlx::Pool<DB>) -> Result<String, Failure> {
    Ok(describe(m, m.status(pool).await?.current()))
}

/// `20260101000000_create_users (head)`, or `base`.
pub(super) fn describe(m: &Migrator, version: Option<i64>) -> String {
    match version {
        None => "base (no migration applied)".to_owned(),
        Some(v) => {
            let name = m.find(v).map_or(v.to_string(), Migration::name);
            let head = m.latest().is_some_and(|l| l.version == v);
            if head { format!("{name} (head)") } else { name }
        }
    }
}

/// A migration by version (`20260101000000`), full name, or a prefix that only one has.
fn version(m: &Migrator, text: &str) -> Result<&'static Migration, Failure> {
    let all = m.migrations();
    let exact =
        all.iter().find(|x| x.version.to_string() == text || x.version_text == text || x.name() == text);
    if let Some(x) = exact {
        return Ok(x);
    }
    if let Some(s) =
        all.iter().find(|x| x.replaces.iter().any(|r| r.name == text || r.version.to_string() == text))
    {
        return Err(Failure::new(format!(
            "migration `{text}` is squashed into {}, so no database stops at it any more",
            s.name()
        ))
        .help(format!("go to {} itself, or to a version before it", s.name())));
    }
    let by_prefix: Vec<&Migration> = all.iter().filter(|x| x.name().starts_with(text)).collect();
    match by_prefix.as_slice() {
        [one] => Ok(one),
        [] => Err(Failure::new(format!("no migration has version `{text}`"))
            .help(format!("`{} history` lists the migrations", output::command()))),
        many => Err(Failure::new(format!(
            "`{text}` could be {}",
            many.iter().map(|x| format!("`{}`", x.name())).collect::<Vec<_>>().join(", ")
        ))
        .help("give more of the version")),
    }
}

pub(super) fn up_target(m: &Migrator, text: Option<&str>) -> Result<Target, Failure> {
    match text {
        None | Some("head") => Ok(Target::Version(None)),
        Some(t) if t.starts_with('+') => steps(t).map(Target::Steps),
        Some(t) => Ok(Target::Version(Some(version(m, t)?.version))),
    }
}

pub(super) fn down_target(m: &Migrator, text: Option<&str>) -> Result<Target, Failure> {
    match text {
        None => Ok(Target::Steps(1)),
        Some("base") => Ok(Target::Version(None)),
        Some(t) if t.starts_with('-') => steps(t).map(Target::Steps),
        Some(t) => Ok(Target::Version(Some(version(m, t)?.version))),
    }
}

fn steps(text: &str) -> Result<usize, Failure> {
    text[1..].parse::<usize>().map_err(|_| {
        Failure::new(format!("`{text}` is not a number of migrations"))
            .help("write `+2` (up) or `-2` (down), a version, `head` or `base`")
    })
}

fn history(m: &Migrator, verbose: bool, json: bool) {
    let head = m.latest().map(|l| l.version);
    // No down file, or one that says it cannot undo the migration.
    let irreversible = |x: &Migration| x.down.is_none_or(strata_schema::downs::marked_irreversible);
    if json {
        let all: Vec<serde_json::Value> = m
            .migrations()
            .iter()
            .map(|x| {
                serde_json::json!({
                    "version": x.version,
                    "name": x.name(),
                    "description": x.description,
                    "head": Some(x.version) == head,
                    "reversible": !irreversible(x),
                    "up_in_transaction": !x.no_transaction,
                    "down_in_transaction": x.down.map(|_| !x.down_no_transaction),
                    "checksum": strata_schema::migrations::hex(&x.sqlx_checksum),
                })
            })
            .collect();
        outln!("{}", serde_json::json!({ "version": 1, "migrations": all }));
        return;
    }
    if m.migrations().is_empty() {
        outln!("no migrations yet: `strata generate -m \"...\"` writes the first");
        return;
    }
    for x in m.migrations() {
        let mut flags = Vec::new();
        if Some(x.version) == head {
            flags.push("head");
        }
        if irreversible(x) {
            flags.push("irreversible");
        }
        match (x.no_transaction, x.down.is_some() && x.down_no_transaction) {
            (true, true) => flags.push("no-transaction"),
            (true, false) => flags.push("up: no-transaction"),
            (false, true) => flags.push("down: no-transaction"),
            (false, false) => {}
        }
        let flags = if flags.is_empty() { String::new() } else { format!(" ({})", flags.join(", ")) };
        outln!("{}{flags}", x.name());
        if verbose {
            let mode = |no_tx: bool| if no_tx { "outside a transaction" } else { "in a transaction" };
            outln!("    description: {}", x.description);
            outln!("    up: runs {}", mode(x.no_transaction));
            match x.down {
                None => outln!("    down: none (irreversible)"),
                Some(d) if strata_schema::downs::marked_irreversible(d) => {
                    outln!("    down: marked irreversible (-- strata:irreversible)")
                }
                Some(_) => outln!("    down: runs {}", mode(x.down_no_transaction)),
            }
            outln!("    checksum: {}", strata_schema::migrations::hex(&x.sqlx_checksum));
        }
    }
}

fn print_status(m: &Migrator, status: &Status, shown: &str) {
    outln!("database: {shown}");
    for e in &status.entries {
        let (state, when) = match &e.applied {
            Some(a) if !a.success => ("HALF   ", half_state(e)),
            Some(a) if !a.checksum_matches => ("CHANGED", a.installed_on.clone()),
            Some(a) => {
                let mut when = match &a.out_of_order {
                    Some(newer) => {
                        format!("{} ({}), out of order: after {newer}", a.installed_on, duration(a.took))
                    }
                    None => format!("{} ({})", a.installed_on, duration(a.took)),
                };
                if e.squashed > 0 {
                    when.push_str(&format!(", as the {} migrations it squashes", e.squashes()));
                }
                ("applied", when)
            }
            None if e.is_part_squashed() => (
                "PART   ",
                format!(
                    "{} of the {} migrations it squashes applied: bring the database to the last with a release from before the squash",
                    e.squashed,
                    e.squashes()
                ),
            ),
            None => ("pending", String::new()),
        };
        outln!("  {state}  {:<40} {when}", e.migration.name());
    }
    for u in &status.unknown {
        if status.stored.contains(&u.version) {
            outln!(
                "  NEWER    {}_{} (applied by a newer release; its down SQL is stored, so `down` reverts it)",
                u.version,
                u.description.replace(' ', "_")
            );
        } else {
            outln!("  UNKNOWN  {}_{} (applied, but not among these migrations)", u.version, u.description);
        }
    }
    let pending = status.pending().count();
    outln!(
        "at {}; {}",
        describe(m, status.current()),
        match pending {
            0 => "nothing pending".to_owned(),
            n => format!("{n} pending (`{} up` applies them)", output::command()),
        }
    );
    if status.is_ahead() {
        outln!("the database is ahead of these migrations: it has applied migrations that are not here");
    }
    if status.is_inconsistent() {
        outln!(
            "CHANGED: a migration was edited after it was applied; HALF: it stopped partway, with some statements in (MySQL, or -- no-transaction on PostgreSQL); PART: the database applied some of the migrations a squash replaces, not all"
        );
    }
}

pub(super) fn status_json(status: &Status) -> serde_json::Value {
    json!({
        "version": 1,
        "current": status.current(),
        "up_to_date": status.is_up_to_date(),
        "pending": status.pending().count(),
        "migrations": status.entries.iter().map(|e| json!({
            "version": e.migration.version,
            "name": e.migration.name(),
            "applied": e.applied.is_some(),
            "installed_on": e.applied.as_ref().map(|a| a.installed_on.clone()),
            "execution_ms": e.applied.as_ref().map(|a| a.took.as_millis() as u64),
            "checksum_matches": e.applied.as_ref().map(|a| a.checksum_matches),
            "success": e.applied.as_ref().map(|a| a.success),
            "out_of_order_after": e.applied.as_ref().and_then(|a| a.out_of_order.clone()),
            "squashes": e.squashes(),
            "squashed_applied": e.squashed,
            "partial": e.applied.as_ref().and_then(|a| a.partial.as_ref()).map(|p| json!({
                "reverting": p.reverting,
                "done": p.done,
                "running": p.running,
                "failed": p.failed.as_ref().map(|(k, message)| json!({"statement": k, "error": message})),
            })),
        })).collect::<Vec<_>>(),
        "unknown": status.unknown.iter().map(|u| json!({
            "version": u.version,
            "description": u.description,
            "down_stored": status.stored.contains(&u.version),
        })).collect::<Vec<_>>(),
    })
}

/// The offline script: what `up` (or `down`) would run over a range, with the history-table
/// statements, each migration in its own transaction where it runs in one.
fn script(m: &Migrator, dialect: Dialect, range: Option<&str>, down: bool) -> Result<String, Failure> {
    let all = m.migrations();
    let position = |text: &str| -> Result<Option<usize>, Failure> {
        match text {
            "" | "base" => Ok(None),
            "head" => Ok(all.len().checked_sub(1)),
            t => {
                let v = version(m, t)?.version;
                Ok(all.iter().position(|x| x.version == v))
            }
        }
    };
    let (from, to) = match range.map(|r| r.split_once(':').unwrap_or(("", r))) {
        Some((a, b)) => (a, b),
        None => ("", ""),
    };
    let table = m.table();
    let begin = if dialect == Dialect::Mysql { "START TRANSACTION;" } else { "BEGIN;" };
    let mut out = format!("-- strata: {} script for {}\n", if down { "down" } else { "up" }, dialect.title());
    // Up: after FROM, to TO inclusive. Down: from FROM (default head) back to TO, kept.
    let chosen: Vec<&Migration> = if down {
        let top = if from.is_empty() { all.len().checked_sub(1) } else { position(from)? };
        let keep = position(to)?;
        match top {
            Some(top) => all
                .iter()
                .enumerate()
                .filter(|(i, _)| *i <= top && keep.is_none_or(|k| *i > k))
                .map(|(_, x)| x)
                .rev()
                .collect(),
            None => Vec::new(),
        }
    } else {
        let after = position(from)?;
        let last = if to.is_empty() { all.len().checked_sub(1) } else { position(to)? };
        all.iter()
            .enumerate()
            .filter(|(i, _)| after.is_none_or(|a| *i > a) && last.is_some_and(|l| *i <= l))
            .map(|(_, x)| x)
            .collect()
    };
    // Both directions: the down script forgets the kept downs too, in a table a database
    // migrated before strata kept them does not have yet.
    out.push_str(&create_table_sql(dialect, table));
    out.push_str(";\n");
    for x in chosen {
        let sql = if down {
            x.down.ok_or_else(|| {
                Failure::new(format!(
                    "migration {} has no down SQL, so the script cannot revert it",
                    x.name()
                ))
            })?
        } else {
            x.up
        };
        if let Ok(Some((line, path))) = strata_schema::migrations::rust_step(sql) {
            return Err(Failure::new(format!(
                "migration {} runs Rust code (`{path}`, line {line} of its {}), which a SQL script cannot hold",
                x.name(),
                if down { "down" } else { "up" }
            ))
            .help(format!(
                "write the script up to the migration before it, and apply this one with the application's own `migrate` command (`{} sql` ranges: FROM:TO)",
                output::command()
            )));
        }
        out.push_str(&format!("\n-- {} {}\n", if down { "revert" } else { "apply" }, x.name()));
        let transactional = !if down { x.down_no_transaction } else { x.no_transaction };
        if transactional {
            out.push_str(begin);
            out.push('\n');
        }
        out.push_str(sql.trim_end());
        out.push('\n');
        out.push_str(&if down { forget_sql(dialect, table, x) } else { record_sql(dialect, table, x) });
        out.push('\n');
        if transactional {
            out.push_str("COMMIT;\n");
        }
    }
    Ok(out)
}
