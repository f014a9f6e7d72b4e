//! Why a migration run stopped, and what to do about it.

use std::time::Duration;

/// A migration run that did not finish. Each message says where the database is left.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot reach the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// A migration gave up waiting for a lock (its lock timeout) on every try: the error of
    /// the last try, what held the lock then, and how often it was tried.
    #[error("{}", gave_up(source, *tries, *lock_timeout, holders))]
    LockTimeout {
        source: Box<MigrateError>,
        tries: u32,
        lock_timeout: Duration,
        /// Who held a lock on the tables it names when it gave up, as the database describes them.
        holders: Vec<String>,
    },
    #[error(
        "another migrator (another deploy?) held the migration lock on this database for all of the {} s this run waits for it; nothing was run",
        waited.as_secs_f64()
    )]
    Locked { waited: Duration },
    #[error("cannot read or write the migration history in `{table}`: {}", said(source))]
    History { table: String, source: sqlx::Error },
    #[error("migration {name} failed{}, so the database stays at {at}: {}", of(*statement), said(source))]
    Failed {
        name: String,
        at: String,
        source: sqlx::Error,
        /// The statement that failed and how many the file has, 1-based, when known.
        statement: Option<(usize, usize)>,
        /// Line and column in the file, when known.
        position: Option<(usize, usize)>,
    },
    #[error("reverting migration {name} failed{}, so the database stays at {at}: {}", of(*statement), said(source))]
    RevertFailed {
        name: String,
        at: String,
        source: sqlx::Error,
        statement: Option<(usize, usize)>,
        position: Option<(usize, usize)>,
    },
    /// MySQL: a migration stopped partway, with some statements in, recorded as such.
    #[error("{}", stopped(name, *version, *reverting, *statement, *committed, *lost, source))]
    Stopped {
        name: String,
        version: i64,
        /// It stopped while being reverted.
        reverting: bool,
        /// The statement it stopped at, and how many the file has, 1-based.
        statement: (usize, usize),
        /// How many statements are in, from the first.
        committed: usize,
        /// The connection was lost (the statement may be in), rather than the statement refused.
        lost: bool,
        source: sqlx::Error,
        position: Option<(usize, usize)>,
    },
    #[error(
        "{} migration {name} stopped partway on an earlier run ({state}), so {}",
        if *reverting { "reverting" } else { "applying" },
        if *reverting {
            format!("it must be reverted to the end before anything else runs: `strata down` carries on from there; or restore its statements by hand and run `strata mark {version} --done`")
        } else {
            format!("it must be finished before anything else runs: fix the statement that failed and run `strata up`, which carries on from it; or undo its statements by hand and run `strata mark {version} --undone`")
        }
    )]
    Unfinished { name: String, version: i64, reverting: bool, state: String },
    #[error(
        "statements 1–{done} of migration {name}{} ran on an earlier run and are in the database, and the file has changed them since; restore them as they ran: while the migration is half done only the statements after them may change",
        if *reverting { "'s down file" } else { "" }
    )]
    ChangedInPart { name: String, done: usize, reverting: bool },
    #[error(
        "cannot tell whether statement {statement} of migration {name}{} is in the database: the run stopped while it ran, and {why}; look at the database, then run `strata mark {version} --through {statement}` if it is in or `strata mark {version} --through {}` if it is not, and carry on",
        if *reverting { "'s down file" } else { "" },
        statement - 1
    )]
    Undecided { name: String, version: i64, reverting: bool, statement: usize, why: String },
    #[error(
        "statement {} of {} of migration {name} is {} bytes, more than the server takes in one packet (`max_allowed_packet` = {limit}); nothing was run: raise the limit (`SET GLOBAL max_allowed_packet = ...` and in the server's configuration), or split the statement",
        statement.0, statement.1, size
    )]
    TooLarge {
        name: String,
        statement: (usize, usize),
        size: usize,
        limit: u64,
        position: Option<(usize, usize)>,
    },
    #[error(
        "migration {name} was changed after it was applied: its checksum differs from the one recorded in `{table}`; restore the file as it was, and put the change in a new migration"
    )]
    ChecksumMismatch { name: String, table: String },
    #[error(
        "the database has migration {version} ({description}) applied, which this binary does not have: the database is ahead of the binary; deploy a binary that has it, or revert it with one"
    )]
    UnknownVersion { version: i64, description: String },
    #[error(
        "migration {name} stopped partway on an earlier run, and which of its statements are in was not recorded (in `{table}` it has `success = false`, and nothing in `{table}_progress`: sqlx's migrator ran it); compare the database with the migration, finish or undo its statements by hand, then record which it is with `strata mark {version} --done` or `--undone`"
    )]
    Dirty { name: String, version: i64, table: String },
    #[error(
        "migration {name} is pending, but {newest}, which comes after it, is already applied: applying it now would run the two in an order no other database ran them (two branches merged?); nothing was applied"
    )]
    OutOfOrder { name: String, newest: String },
    #[error("migration {name} has no down SQL, so it cannot be reverted; the database stays at {at}")]
    Irreversible { name: String, at: String },
    #[error(
        "migration {name} is not half done (applied or reverted partway), so there is nothing to mark; `strata stamp` records a database as being at a version"
    )]
    NotHalfDone { name: String },
    #[error("migration {name} has {total} statements, so there is no statement {statement}")]
    NoSuchStatement { name: String, statement: usize, total: usize },
    #[error("no migration of this binary has version {0}")]
    UnknownTarget(i64),
    #[error(
        "migration {name} runs Rust code (`{path}`, line {line} of its {direction}), which this binary does not carry: it runs only in the application that embeds the migrations (`embed_migrations!` links the function); apply it with the application's own `migrate` command, or `Migrator::run`; nothing was run"
    )]
    NoDataStep { name: String, direction: &'static str, line: usize, path: String },
    #[error(
        "migration {version} is squashed into {squash}, so no database stops at it any more: go to {squash} itself, or to a version before it"
    )]
    SquashedTarget { version: i64, squash: String },
    #[error(
        "the database applied {applied} of the {total} migrations squashed into {squash} (the newest it has is {at}), and the squash runs only on a database that has all of them or none: bring the database to {last} with a release from before the squash, then run this one; nothing was run"
    )]
    PartlySquashed { squash: String, applied: usize, total: usize, at: String, last: String },
    #[error(
        "migration {name}, which {squash} squashes, was changed after it was applied: its checksum in `{table}` is not the one the squash records for it, so the database may not hold what the squash builds; compare it with `strata verify`, then record it as the squash with `strata stamp`"
    )]
    SquashedChecksum { name: String, squash: String, table: String },
    #[error("cannot replay the migrations: {0}")]
    Replay(#[source] strata_schema::ReplayError),
    #[error(transparent)]
    Introspect(crate::introspect::IntrospectError),
    #[error(
        "the database is behind this binary: {} pending ({}); apply them (`strata up`, or `Migrator::run`) before starting, or start with `Policy::Apply`",
        pending.len(),
        pending.join(", ")
    )]
    Pending { pending: Vec<String> },
    #[error(
        "this database was migrated by {tool} (its history is in `{}`) and strata's history is empty: running the migrations from the first would meet what is already there; nothing was run. Take over that history first: `strata adopt` (or `Migrator::adopting(true)` in the application)",
        tool.table()
    )]
    ForeignHistory { tool: super::Tool },
    #[error(
        "strata's history (`{table}`) already records migrations (the first is {version}, {description}), so there is nothing to adopt; `strata status` shows where the database is"
    )]
    AlreadyAdopted { table: String, version: i64, description: String },
    #[error("{}", no_foreign(tools))]
    NoForeignHistory { tools: Vec<super::Tool> },
    #[error(
        "this database holds the histories of several tools ({}); say which one migrated it: `strata adopt --from <tool>`",
        tools.iter().map(|t| format!("{t}'s `{}`", t.table())).collect::<Vec<_>>().join(", ")
    )]
    SeveralForeignHistories { tools: Vec<super::Tool> },
    #[error(
        "{tool} records migration {version} as failed partway (in `{}`), so the database is not at any version; finish or undo it with {tool} (or by hand, and correct its record), then adopt; nothing was recorded",
        tool.table()
    )]
    ForeignFailed { tool: super::Tool, version: String },
    #[error(
        "{tool} records migration {version} as applied (in `{}`), but no migration here has that version: adopt with the migrations the database was migrated with; nothing was recorded",
        tool.table()
    )]
    ForeignUnknown { tool: super::Tool, version: String },
    #[error(
        "{tool} records {newest} as applied but not {missing}, which comes before it, and strata's history cannot hold a gap; apply {missing} with {tool} first (or check that these are the migrations it ran); nothing was recorded"
    )]
    ForeignGap { tool: super::Tool, missing: String, newest: String },
    #[error(
        "the database does not hold what the migrations make at {at}, where {tool} records it, so its history is not adopted; it differs in {} way(s):{}",
        differences.len(),
        differences.iter().map(|d| format!("\n  - {d}")).collect::<String>()
    )]
    AdoptDiffers { tool: super::Tool, at: String, differences: Vec<String> },
}

/// No history of `tools` in the database, in words.
fn no_foreign(tools: &[super::Tool]) -> String {
    let tables: Vec<String> = tools.iter().map(|t| format!("{t}'s `{}`", t.table())).collect();
    match tools {
        [t] => format!(
            "this database has no {t} history: there is no `{}` where an unqualified name finds it",
            t.table()
        ),
        _ => format!("this database has no history strata can adopt: there is none of {}", tables.join(", ")),
    }
}

/// " at statement 3 of 7", when known.
fn of(statement: Option<(usize, usize)>) -> String {
    statement.map_or_else(String::new, |(k, n)| format!(" at statement {k} of {n}"))
}

fn stopped(
    name: &str,
    version: i64,
    reverting: bool,
    (k, n): (usize, usize),
    committed: usize,
    lost: bool,
    source: &sqlx::Error,
) -> String {
    let (doing, file, again, undo) = if reverting {
        (
            "reverting",
            " of its down file",
            "`strata down`",
            format!("restore them by hand and run `strata mark {version} --done`"),
        )
    } else {
        ("applying", "", "`strata up`", format!("undo them by hand and run `strata mark {version} --undone`"))
    };
    let r#in = match committed {
        0 => "none of its statements is in".to_owned(),
        1 => "statement 1 is in the database, and recorded as in".to_owned(),
        c => format!("statements 1–{c} are in the database, and recorded as in"),
    };
    if k > n {
        return format!(
            "{doing} migration {name}: all {n} statements{file} are in, but recording that failed: {}; the next run records it: run {again} again",
            said(source)
        );
    }
    if lost {
        format!(
            "{doing} migration {name} stopped at statement {k} of {n}{file}: {}; {in} (its statements commit as they go); whether statement {k} is in, the next run finds out by comparing the database with the migrations, and carries on from there: run {again} again",
            said(source)
        )
    } else {
        // A statement that waited too long for a lock is not wrong: it is run again as it is.
        let fix =
            if super::is_lock_timeout(source) { String::new() } else { format!("fix statement {k} and ") };
        format!(
            "{doing} migration {name} failed at statement {k} of {n}{file}: {}; {in} (its statements commit as they go), so it is half done: {fix}run {again} again, which carries on from it and runs none of the others twice; or {undo}",
            said(source)
        )
    }
}

/// What the database said, in its words: its message, and PostgreSQL's detail and hint. Not
/// sqlx's rendering, which ends a PostgreSQL error with "at line N", a line of the server's C
/// source that reads like a line of the migration.
fn gave_up(source: &MigrateError, tries: u32, lock_timeout: Duration, holders: &[String]) -> String {
    let waited = if lock_timeout.as_millis().is_multiple_of(1000) {
        format!("{} s", lock_timeout.as_secs())
    } else {
        format!("{} ms", lock_timeout.as_millis())
    };
    let tried = if tries == 1 { "once".to_owned() } else { format!("on each of {tries} tries") };
    let mut out = format!(
        "{source}\n  it gave up waiting {waited} for a lock {tried}, so the traffic queued behind it could go on"
    );
    if holders.is_empty() {
        out.push_str("; no session held a lock on its tables by the time strata looked");
    } else {
        out.push_str("; the lock was held by:");
        for h in holders {
            out.push_str(&format!("\n    {h}"));
        }
    }
    out
}

fn said(e: &sqlx::Error) -> String {
    let Some(d) = e.as_database_error() else { return e.to_string() };
    #[allow(unused_mut)]
    let mut out = d.message().to_owned();
    #[cfg(feature = "postgres")]
    if let Some(pg) = d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        for (label, text) in [("detail", pg.detail()), ("hint", pg.hint())] {
            if let Some(t) = text {
                out.push_str(&format!(" ({label}: {t})"));
            }
        }
    }
    out
}

/// Where in `sql` (the text sent) the database located its error: 1-based line and column, from
/// PostgreSQL's position (a character offset), or from MySQL's "near '...' at line N" (the
/// line, and the column where the quoted text starts on it); `None` from a database that
/// gives none.
pub fn error_position(e: &sqlx::Error, sql: &str) -> Option<(usize, usize)> {
    let d = e.as_database_error()?;
    #[cfg(feature = "postgres")]
    if let Some(pg) = d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let sqlx::postgres::PgErrorPosition::Original(at) = pg.position()? else { return None };
        let before: String = sql.chars().take(at.saturating_sub(1)).collect();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        return Some((line, column));
    }
    #[cfg(feature = "mysql")]
    if d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().is_some() {
        return mysql_position(d.message(), sql);
    }
    let _ = (sql, d);
    None
}

/// MySQL's syntax errors end in "near '<the text from there>' at line N", N counted in the
/// statement sent.
#[cfg_attr(not(feature = "mysql"), allow(dead_code))]
fn mysql_position(message: &str, sql: &str) -> Option<(usize, usize)> {
    let (rest, line) = message.rsplit_once(" at line ")?;
    let line: usize = line.trim().parse().ok()?;
    let text = sql.lines().nth(line.checked_sub(1)?)?;
    // The quoted text runs on past the statement (into what was sent after it), and is cut
    // short: it starts where the rest of the line is a beginning of it, or it of the line.
    let near = rest.rsplit_once("near '").map_or("", |(_, n)| n.strip_suffix('\'').unwrap_or(n));
    let column = text
        .char_indices()
        .map(|(i, _)| i)
        .find(|&i| !near.is_empty() && (near.starts_with(&text[i..]) || text[i..].starts_with(near)))
        .map_or(1, |at| text[..at].chars().count() + 1);
    Some((line, column))
}

#[cfg(test)]
mod tests {
    /// Every statement went in, and the record of the end did not: the message says so, not
    /// that the database stays where it was.
    #[test]
    fn a_lost_record_of_the_end_is_said_as_such() {
        let e = super::MigrateError::Stopped {
            name: "2_x".into(),
            version: 2,
            reverting: false,
            statement: (3, 2),
            committed: 2,
            lost: true,
            source: sqlx::Error::PoolClosed,
            position: None,
        };
        let text = e.to_string();
        assert!(
            text.contains("applying migration 2_x: all 2 statements are in, but recording that failed"),
            "{text}"
        );
        assert!(text.contains("run `strata up` again"), "{text}");
    }

    #[test]
    fn mysql_syntax_errors_are_located() {
        let sql = "CREATE TABLE x (id INT,\n  name TEXT,\n  ,oops INT)";
        let message = "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'oops INT)' at line 3";
        assert_eq!(super::mysql_position(message, sql), Some((3, 4)));
        let on = message.replace("'oops INT)'", "'oops INT);\nUPDATE progress SET done = 2'");
        assert_eq!(super::mysql_position(&on, sql), Some((3, 4)));
        assert_eq!(super::mysql_position("near '' at line 1", "SELECT"), Some((1, 1)));
        assert_eq!(super::mysql_position("Unknown data type: 'oops'", sql), None);
    }
}

/// One migration applied or reverted by a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub version: i64,
    pub name: String,
    pub took: Duration,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub applied: Vec<Step>,
    pub reverted: Vec<Step>,
    /// The newest migration applied when the run ended, in the binary's order (`None`: at
    /// base): what `status` would call current, without asking the database again.
    pub at: Option<i64>,
    /// The migrations reverted with the down SQL a newer release stored (this binary does not
    /// have them).
    pub stored: Vec<String>,
}
