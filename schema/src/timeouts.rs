//! How long a migration may wait for a lock, and run, before the database gives up on it:
//! `[timeouts]` of `strata.toml`, and a migration file's own `-- strata:lock_timeout <d>`,
//! `-- strata:statement_timeout <d>` and `-- strata:lock_retries <n>` lines.
//!
//! A statement that changes a busy table (`ALTER TABLE` on PostgreSQL, any DDL on MySQL) first
//! queues for a lock that conflicts with every reader and writer; while it waits, they queue
//! behind it. A lock timeout bounds that wait: the migration gives up, the traffic behind it
//! goes on, and the migrator tries the whole migration again later.

use std::time::Duration;

use serde::Deserialize;

/// What a migration runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// The longest a statement waits for a lock (PostgreSQL `lock_timeout`, MySQL/MariaDB
    /// `lock_wait_timeout`).
    pub lock: Duration,
    /// The longest a statement runs (PostgreSQL `statement_timeout`); `None` is no limit.
    pub statement: Option<Duration>,
    /// How many more times a migration that gave up waiting for a lock is tried, the whole of
    /// it, after waiting 1 s, 2 s, 4 s ... (at most 30 s) between tries.
    pub retries: u32,
}

/// The lock timeout when none is set: 5 s.
pub const DEFAULT_LOCK: Duration = Duration::from_secs(5);
/// The statement timeout when none is set: 1 h.
pub const DEFAULT_STATEMENT: Duration = Duration::from_secs(3600);
/// The retries when none are set: 3.
pub const DEFAULT_RETRIES: u32 = 3;

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::DEFAULT
    }
}

/// How a migration file sets its own lock timeout.
pub const LOCK_TIMEOUT: &str = "-- strata:lock_timeout ";
/// How a migration file sets its own statement timeout.
pub const STATEMENT_TIMEOUT: &str = "-- strata:statement_timeout ";
/// How a migration file sets its own number of retries.
pub const LOCK_RETRIES: &str = "-- strata:lock_retries ";

impl Timeouts {
    pub const DEFAULT: Timeouts =
        Timeouts { lock: DEFAULT_LOCK, statement: Some(DEFAULT_STATEMENT), retries: DEFAULT_RETRIES };

    /// These, with what the lines of a migration file `sql` say instead; a line that says
    /// something else is an error at its (1-based) line.
    pub fn in_file(self, sql: &str) -> Result<Timeouts, (usize, String)> {
        let mut out = self;
        if !sql.contains("strata:lock_") && !sql.contains("strata:statement_") {
            return Ok(out);
        }
        for (i, line) in sql.lines().enumerate() {
            let line = line.trim();
            let bad = |message: String| (i + 1, format!("`{line}`: {message}"));
            if let Some(v) = line.strip_prefix(LOCK_TIMEOUT.trim_end()) {
                out.lock = match duration(v.trim()).map_err(bad)? {
                    Some(d) => d,
                    None => {
                        return Err(bad("a lock timeout cannot be off; give one (`5s`, `1min`)".to_owned()));
                    }
                };
            } else if let Some(v) = line.strip_prefix(STATEMENT_TIMEOUT.trim_end()) {
                out.statement = duration(v.trim()).map_err(bad)?;
            } else if let Some(v) = line.strip_prefix(LOCK_RETRIES.trim_end()) {
                out.retries = v.trim().parse().map_err(|_| bad("expected a number of retries".to_owned()))?;
            }
        }
        Ok(out)
    }

    /// How long to wait before try `attempt` (2 for the first retry): 1 s, then twice the wait
    /// before, at most 30 s.
    pub fn backoff(attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(2).min(5);
        Duration::from_secs(1u64 << doublings).min(Duration::from_secs(30))
    }
}

/// `[timeouts]` of `strata.toml`, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsConfig {
    #[serde(default)]
    pub lock_timeout: Option<String>,
    #[serde(default)]
    pub statement_timeout: Option<String>,
    #[serde(default)]
    pub lock_retries: Option<u32>,
}

impl TimeoutsConfig {
    /// The timeouts this says, the defaults for what it leaves out.
    pub fn timeouts(&self) -> Result<Timeouts, String> {
        let mut out = Timeouts::DEFAULT;
        if let Some(v) = &self.lock_timeout {
            out.lock =
                duration(v).map_err(|e| format!("`[timeouts] lock_timeout = \"{v}\"`: {e}"))?.ok_or_else(
                    || format!("`[timeouts] lock_timeout = \"{v}\"`: a lock timeout cannot be off"),
                )?;
        }
        if let Some(v) = &self.statement_timeout {
            out.statement =
                duration(v).map_err(|e| format!("`[timeouts] statement_timeout = \"{v}\"`: {e}"))?;
        }
        if let Some(n) = self.lock_retries {
            out.retries = n;
        }
        Ok(out)
    }
}

/// `500ms`, `5s`, `2min`, `1h`; `0` (or `off`) is none.
pub fn duration(text: &str) -> Result<Option<Duration>, String> {
    let t = text.trim();
    if t == "0" || t.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let expected =
        || format!("expected a duration such as `500ms`, `5s`, `2min` or `1h` (or `0` for none), not `{t}`");
    let n: u64 = digits.parse().map_err(|_| expected())?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "min" | "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => return Err(expected()),
    };
    if d.is_zero() {
        return Ok(None);
    }
    Ok(Some(d))
}

/// How a duration is written to PostgreSQL's settings (milliseconds) and said to a user.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(duration("500ms"), Ok(Some(Duration::from_millis(500))));
        assert_eq!(duration("5s"), Ok(Some(Duration::from_secs(5))));
        assert_eq!(duration("2min"), Ok(Some(Duration::from_secs(120))));
        assert_eq!(duration("1h"), Ok(Some(Duration::from_secs(3600))));
        assert_eq!(duration("0"), Ok(None));
        assert_eq!(duration("off"), Ok(None));
        assert!(duration("5 seconds").expect_err("refused").contains("expected a duration such as `500ms`"));
        assert!(duration("s").is_err());
    }

    #[test]
    fn a_file_overrides_the_settings() {
        let t = Timeouts::DEFAULT
            .in_file("-- strata:lock_timeout 30s\n-- strata:statement_timeout 0\n-- strata:lock_retries 0\nSELECT 1;")
            .expect("reads");
        assert_eq!(t, Timeouts { lock: Duration::from_secs(30), statement: None, retries: 0 });
        assert_eq!(Timeouts::DEFAULT.in_file("SELECT 1;"), Ok(Timeouts::DEFAULT));
        let (line, message) =
            Timeouts::DEFAULT.in_file("SELECT 1;\n-- strata:lock_timeout soon\n").expect_err("refused");
        assert_eq!(line, 2);
        assert!(message.starts_with("`-- strata:lock_timeout soon`: expected a duration"), "{message}");
        let (_, message) = Timeouts::DEFAULT.in_file("-- strata:lock_timeout 0").expect_err("refused");
        assert!(message.contains("cannot be off"), "{message}");
    }

    #[test]
    fn the_waits_double_up_to_half_a_minute() {
        let waits: Vec<u64> = (2..10).map(|a| Timeouts::backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn the_config_says_what_it_sets() {
        let c = TimeoutsConfig {
            lock_timeout: Some("2s".into()),
            statement_timeout: Some("0".into()),
            lock_retries: None,
        };
        assert_eq!(
            c.timeouts(),
            Ok(Timeouts { lock: Duration::from_secs(2), statement: None, retries: DEFAULT_RETRIES })
        );
        let c = TimeoutsConfig { lock_timeout: Some("off".into()), ..Default::default() };
        assert!(c.timeouts().expect_err("refused").contains("cannot be off"));
    }
}
