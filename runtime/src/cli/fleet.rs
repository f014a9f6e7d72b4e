//! `fleet up`, `fleet down` and `fleet status`: one migrator over many databases
//! ([`crate::fleet`]).

use std::io::{IsTerminal, Write};

use serde_json::json;

use super::db::{at_json, database_url, describe, down_target, status_json, steps_json, up_target};
use super::output::{Failure, bar, duration, errln, outln, redact};
use super::{FleetArgs, FleetCommand, Migrate};
use crate::Migrator;
use crate::fleet::{Done, Event, Fleet, Member, Outcome, Work};
use crate::migrate::Status;

pub(super) async fn execute(args: &Migrate, f: &FleetArgs, migrator: &Migrator) -> Result<(), Failure> {
    let members = members(args, f).await?;
    if members.is_empty() {
        return Err(Failure::new("no targets: the list is empty")
            .help("`--targets FILE` lists one URL a line; `--targets-query` returns one a row; `--schemas` matches schema names with LIKE"));
    }
    if let Some(written) = migrator.dialect()
        && let Some(other) = members.iter().find(|m| crate::fleet::dialect_of(&m.name()) != Some(written))
    {
        return Err(Failure::new(format!(
            "the migrations are written for {} (`strata.toml`), but the target `{}` is not a {} database",
            written.title(),
            other.name(),
            written.title()
        ))
        .help("check the list of targets; nothing was run"));
    }
    let (work, stop) = match &f.command {
        FleetCommand::Up { target, stop_on_failure } => {
            (Work::Up(up_target(migrator, target.as_deref())?), *stop_on_failure)
        }
        FleetCommand::Down { target, stop_on_failure } => {
            (Work::Down(down_target(migrator, target.as_deref())?), *stop_on_failure)
        }
        FleetCommand::Status => (Work::Status, false),
    };
    let fleet = Fleet::new(members)
        .jobs(f.jobs)
        .keep_going(!stop)
        .connect_timeout(super::db::connect_timeout(args.connect_timeout))
        .lock_wait((f.lock_wait > 0).then(|| std::time::Duration::from_secs(f.lock_wait)));
    let mut live = Live::new(f.json, fleet.members().len());
    let results = fleet.run(migrator, work, &mut |e| live.event(migrator, e)).await;
    live.clear();
    if f.json {
        outln!("{}", json(migrator, &results));
    } else {
        summary(&results, work);
    }
    let failed: Vec<&Done> = results.iter().filter(|d| d.outcome.failed()).collect();
    let not_run = results.iter().filter(|d| matches!(d.outcome, Outcome::NotRun)).count();
    let uneven = matches!(work, Work::Status)
        && results.iter().any(|d| matches!(&d.outcome, Outcome::Status(s) if s.is_inconsistent()));
    if failed.is_empty() && not_run == 0 && !uneven {
        return Ok(());
    }
    let mut message = format!("{} of {} target(s) failed", failed.len(), results.len());
    if not_run > 0 {
        message.push_str(&format!(", {not_run} not run (the run stopped at the first failure)"));
    }
    let found = failed.is_empty() && not_run == 0;
    if found {
        message = "a target's history cannot be built on as it is (half done, or changed)".to_owned();
    }
    let mut failure = Failure::new(message);
    // As `status` on one database: a finding, exit 1.
    if found {
        failure = failure.found().help(format!(
            "`{} fleet status` lists each target's state; `status` on that database says which migration and why",
            super::output::command()
        ));
    }
    let command = super::output::command();
    let again = match work {
        Work::Up(_) => Some("run the same command again once the failures are fixed: each target applies only what it lacks".to_owned()),
        Work::Down(crate::migrate::Target::Version(_)) => Some("run the same command again once the failures are fixed: each target reverts only what is after the version".to_owned()),
        // Again with -N would take N more back where the run went through.
        Work::Down(_) => Some(format!("once the failures are fixed, `{command} fleet down VERSION` (not -N, which would take N more back where this run went through) reverts what is left")),
        _ => None,
    };
    if let Some(again) = again {
        failure = failure.help(format!("{again} (`{command} fleet status` shows where each stands)"));
    }
    Err(failure)
}

/// The targets the arguments name.
async fn members(args: &Migrate, f: &FleetArgs) -> Result<Vec<Member>, Failure> {
    let listed = if let Some(path) = &f.targets {
        Fleet::from_file(path)
    } else if let Some(sql) = &f.targets_query {
        let control = match &f.control {
            Some(c) => c.clone(),
            None => database_url(args.database_url.as_deref())?,
        };
        Fleet::from_query(&control, sql).await
    } else if let Some(pattern) = &f.schemas {
        Fleet::schemas(&database_url(args.database_url.as_deref())?, pattern).await
    } else {
        return Err(Failure::new("no targets given")
            .help("`--targets FILE` (one URL a line), `--targets-query SQL` (on `--control URL`), or `--schemas PATTERN` (the schemas of the database URL)"));
    };
    listed.map_err(|e| Failure::new(redact(&e.to_string())))
}

/// The display while targets run: on a terminal, a line that says how many are done, running
/// and failed; a line per target as it ends, on a terminal or not.
struct Live {
    tty: bool,
    silent: bool,
    total: usize,
    running: usize,
    failed: usize,
    finished: usize,
}

impl Live {
    fn new(json: bool, total: usize) -> Live {
        Live { tty: std::io::stderr().is_terminal(), silent: json, total, running: 0, failed: 0, finished: 0 }
    }

    fn event(&mut self, m: &Migrator, e: Event<'_>) {
        match e {
            Event::Started { .. } => {
                self.running += 1;
                self.clear();
                self.bar();
            }
            Event::Finished { done, finished, .. } => {
                self.running -= 1;
                self.finished = finished;
                if done.outcome.failed() {
                    self.failed += 1;
                }
                if !self.silent {
                    self.clear();
                    outln!("{}", line(m, done));
                    self.bar();
                }
            }
        }
    }

    fn bar(&self) {
        if !self.tty || self.silent {
            return;
        }
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "{} {}/{} done, {} running, {} failed",
            bar(self.finished, self.total),
            self.finished,
            self.total,
            self.running,
            self.failed
        );
        let _ = err.flush();
    }

    fn clear(&self) {
        if self.tty && !self.silent {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

/// One target's line: what happened, the target, and the detail.
fn line(m: &Migrator, d: &Done) -> String {
    let name = d.member.name();
    match &d.outcome {
        Outcome::Applied { applied, at } if applied.is_empty() => {
            format!("at head  {name}: nothing to apply, at {}", describe(m, *at))
        }
        Outcome::Applied { applied, at } => format!(
            "applied  {name}: {} migration(s) in {}, at {}",
            applied.len(),
            duration(d.took),
            describe(m, *at)
        ),
        Outcome::Reverted { reverted, at, .. } if reverted.is_empty() => {
            format!("at base  {name}: nothing to revert, at {}", describe(m, *at))
        }
        Outcome::Reverted { reverted, stored, at } => {
            let kept = if stored.is_empty() {
                String::new()
            } else {
                format!(" ({} with the down SQL stored by a newer release)", stored.len())
            };
            format!(
                "reverted {name}: {} migration(s){kept} in {}, at {}",
                reverted.len(),
                duration(d.took),
                describe(m, *at)
            )
        }
        Outcome::Status(s) => format!("{:<8} {name}: {}", state(s), stands(m, s)),
        Outcome::Started(s) => format!("started  {name}: at {}", describe(m, s.status.current())),
        Outcome::Failed(e) => format!("failed   {name}: {}", e.to_string().replace('\n', "\n           ")),
        Outcome::NotRun => format!("not run  {name}"),
    }
}

/// A status in one word.
fn state(s: &Status) -> &'static str {
    if !s.unknown.is_empty() {
        "ahead"
    } else if s.entries.iter().any(|e| e.applied.as_ref().is_some_and(|a| !a.success)) {
        "HALF"
    } else if s.entries.iter().any(|e| e.applied.as_ref().is_some_and(|a| !a.checksum_matches)) {
        "CHANGED"
    } else if s.pending().next().is_some() {
        "behind"
    } else {
        "at head"
    }
}

/// Where a target stands, in words.
fn stands(m: &Migrator, s: &Status) -> String {
    let mut out = format!("at {}", describe(m, s.current()));
    let pending = s.pending().count();
    if pending > 0 {
        out.push_str(&format!(", {pending} pending"));
    }
    if !s.unknown.is_empty() {
        out.push_str(&format!(", {} applied that this binary does not have", s.unknown.len()));
    }
    out
}

/// The lines after every target ended: the counts, and the failures again (a long run's
/// scrolled by).
fn summary(results: &[Done], work: Work) {
    let count = |f: &dyn Fn(&Outcome) -> bool| results.iter().filter(|d| f(&d.outcome)).count();
    let failed = count(&|o| o.failed());
    let not_run = count(&|o| matches!(o, Outcome::NotRun));
    let mut parts = Vec::new();
    if let Work::Down(_) = work {
        let reverted = count(&|o| matches!(o, Outcome::Reverted { reverted, .. } if !reverted.is_empty()));
        let nothing = count(&|o| matches!(o, Outcome::Reverted { reverted, .. } if reverted.is_empty()));
        parts.push(format!("{reverted} reverted"));
        parts.push(format!("{nothing} with nothing to revert"));
    } else if let Work::Status = work {
        let at_head = count(&|o| matches!(o, Outcome::Status(s) if state(s) == "at head"));
        let behind = count(&|o| matches!(o, Outcome::Status(s) if state(s) == "behind"));
        let other = results.len() - at_head - behind - failed;
        parts.push(format!("{at_head} at head"));
        parts.push(format!("{behind} behind"));
        if other > 0 {
            parts.push(format!("{other} ahead, half done or changed"));
        }
    } else {
        let applied = count(&|o| matches!(o, Outcome::Applied { applied, .. } if !applied.is_empty()));
        let at_head = count(&|o| matches!(o, Outcome::Applied { applied, .. } if applied.is_empty()));
        parts.push(format!("{applied} migrated"));
        parts.push(format!("{at_head} already at head"));
    }
    parts.push(format!("{failed} failed"));
    if not_run > 0 {
        parts.push(format!("{not_run} not run"));
    }
    outln!("{} target(s): {}", results.len(), parts.join(", "));
    if failed > 0 {
        errln!("failed:");
        for d in results.iter().filter(|d| d.outcome.failed()) {
            if let Outcome::Failed(e) = &d.outcome {
                errln!("  {}: {}", d.member.name(), e.to_string().lines().next().unwrap_or(""));
            }
        }
    }
}

fn json(m: &Migrator, results: &[Done]) -> serde_json::Value {
    let targets: Vec<serde_json::Value> = results
        .iter()
        .map(|d| {
            let mut v = json!({
                "target": d.member.name(),
                "took_ms": d.took.as_millis() as u64,
            });
            let o = v.as_object_mut().expect("an object");
            match &d.outcome {
                Outcome::Applied { applied, at } => {
                    o.insert("outcome".into(), json!(if applied.is_empty() { "at_head" } else { "applied" }));
                    o.insert("applied".into(), steps_json(applied));
                    o.insert("at".into(), at_json(m, *at));
                }
                Outcome::Reverted { reverted, stored, at } => {
                    o.insert(
                        "outcome".into(),
                        json!(if reverted.is_empty() { "nothing" } else { "reverted" }),
                    );
                    o.insert("reverted".into(), steps_json(reverted));
                    o.insert("stored".into(), json!(stored));
                    o.insert("at".into(), at_json(m, *at));
                }
                Outcome::Status(s) => {
                    o.insert("outcome".into(), json!("status"));
                    o.insert("state".into(), json!(state(s).to_ascii_lowercase().replace(' ', "_")));
                    o.insert("status".into(), status_json(s));
                }
                Outcome::Started(s) => {
                    o.insert("outcome".into(), json!("started"));
                    o.insert("at".into(), at_json(m, s.status.current()));
                }
                Outcome::Failed(e) => {
                    o.insert("outcome".into(), json!("failed"));
                    o.insert("error".into(), json!(e.to_string()));
                }
                Outcome::NotRun => {
                    o.insert("outcome".into(), json!("not_run"));
                }
            }
            v
        })
        .collect();
    let count = |want: &str| targets.iter().filter(|t| t["outcome"] == want).count();
    json!({
        "version": 1,
        "targets": targets,
        "summary": {
            "total": results.len(),
            "applied": count("applied"),
            "at_head": count("at_head"),
            "reverted": count("reverted"),
            "failed": count("failed"),
            "not_run": count("not_run"),
        },
    })
}
