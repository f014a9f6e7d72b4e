//! What the commands print: errors in rustc's shape, URLs without their passwords, progress.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub use crate::redact::redact;

/// A command that did not succeed, printed as rustc prints an error:
///
/// ```text
/// error: migration 20260102000000_add_phone failed, so the database stays at ...
///   --> migrations/20260102000000_add_phone.up.sql
///    = help: fix the SQL, then run `strata up` again
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// `file[:line[:column]]` the error is about.
    pub location: Option<String>,
    /// Lines shown under the location (a source excerpt), as they are.
    pub excerpt: Vec<String>,
    pub notes: Vec<String>,
    pub helps: Vec<String>,
    /// Exit code 1 rather than 2: the command ran and found something (drift, a diff), as
    /// opposed to failing to run.
    pub found: bool,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Failure { message: message.into(), ..Failure::default() }
    }

    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.helps.push(help.into());
        self
    }

    /// Marks a finding (drift, a refused plan) rather than a failure to run.
    pub fn found(mut self) -> Self {
        self.found = true;
        self
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(if self.found { 1 } else { 2 })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = self.message.lines();
        writeln!(f, "error: {}", lines.next().unwrap_or(""))?;
        for l in lines {
            writeln!(f, "       {l}")?;
        }
        if let Some(at) = &self.location {
            writeln!(f, "  --> {at}")?;
        }
        for l in &self.excerpt {
            writeln!(f, "{l}")?;
        }
        for (label, items) in [("note", &self.notes), ("help", &self.helps)] {
            for item in items {
                let mut lines = item.lines();
                writeln!(f, "   = {label}: {}", lines.next().unwrap_or(""))?;
                for l in lines {
                    writeln!(f, "     {l}")?;
                }
            }
        }
        Ok(())
    }
}

impl From<crate::migrate::MigrateError> for Failure {
    fn from(e: crate::migrate::MigrateError) -> Self {
        use crate::migrate::MigrateError as E;
        let help = match &e {
            E::Failed { .. } => Some(format!("fix the migration's SQL, then run `{} up` again", command())),
            E::Stopped { .. } | E::Unfinished { .. } | E::Dirty { .. } | E::Undecided { .. } => Some(format!(
                "`{} status` shows which statements are in; `strata mark` records what you did by hand",
                command()
            )),
            E::ChecksumMismatch { .. } => Some(
                "`git log -p` on the migration's file shows the edit; a change that is wanted goes in a new migration (`strata generate`)".to_owned(),
            ),
            E::LockTimeout { .. } => Some(format!(
                "run `{} up` again when the session holding the lock is done (or ended), at a quieter time, or give the migration a longer wait: `-- strata:lock_timeout 30s` in its file, or `[timeouts] lock_timeout` in strata.toml",
                command()
            )),
            E::UnknownTarget(_) => Some(format!("`{} history` lists the versions", command())),
            E::OutOfOrder { .. } => Some(format!(
                "`strata renumber` gives the pending migration a version after the applied ones (on a branch not yet deployed anywhere); `{} up --out-of-order` applies it as it is",
                command()
            )),
            _ => None,
        };
        let failure = Failure::new(redact(&e.to_string()));
        match help {
            Some(h) => failure.help(h),
            None => failure,
        }
    }
}

static COMMAND: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// How the user runs these commands, for the hints that name one: `strata`, or `myapp migrate`
/// where an application mounts them.
pub(crate) fn command() -> &'static str {
    COMMAND.get().map_or("strata", String::as_str)
}

/// Hints name the binary the commands are mounted in: its name and the first argument that is
/// not an option (`myapp migrate`).
pub(crate) fn mounted_in_this_binary() {
    let mut args = std::env::args();
    let bin = args
        .next()
        .and_then(|a| std::path::Path::new(&a).file_stem().map(|s| s.to_string_lossy().into_owned()));
    if let (Some(bin), Some(sub)) = (bin, args.find(|a| !a.starts_with('-'))) {
        let _ = COMMAND.set(format!("{bin} {sub}"));
    }
}

/// Writes to standard output, and drops what cannot be written: `strata status | head -1`
/// closes the pipe early, and the command still does all it was asked, with its exit code.
pub fn write_out(args: fmt::Arguments<'_>) {
    let _ = std::io::stdout().lock().write_fmt(args);
}

/// [`write_out`] for standard error.
pub fn write_err(args: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// `print!`, `println!`, `eprint!` and `eprintln!` that never panic on a closed pipe.
macro_rules! out {
    ($($t:tt)*) => { $crate::cli::output::write_out(format_args!($($t)*)) };
}
macro_rules! outln {
    ($($t:tt)*) => { $crate::cli::output::write_out(format_args!("{}\n", format_args!($($t)*))) };
}
macro_rules! err {
    ($($t:tt)*) => { $crate::cli::output::write_err(format_args!($($t)*)) };
}
macro_rules! errln {
    ($($t:tt)*) => { $crate::cli::output::write_err(format_args!("{}\n", format_args!($($t)*))) };
}
pub(crate) use {errln, out, outln};

/// Prints the outcome and turns it into an exit code: the end of every command, in the
/// `strata` binary and in an application's own.
pub fn exit(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = std::io::stdout().flush();
            // A failure already printed (the findings of `check`) only sets the exit code.
            if !f.message.is_empty() {
                // Whatever a failure quotes (a driver's error, an argument echoed back), no
                // password.
                err!("{}", redact(&f.to_string()));
            }
            f.exit_code()
        }
    }
}

/// A progress bar on standard error while migrations run, when it is a terminal; a line per
/// migration on standard output in any case.
pub(crate) struct Bar {
    tty: bool,
    verb: &'static str,
    /// Says nothing: the command prints JSON when it ends.
    silent: bool,
}

impl Bar {
    pub(crate) fn new(verb: &'static str) -> Self {
        Bar { tty: std::io::stderr().is_terminal(), verb, silent: false }
    }

    /// A bar that says nothing when `silent` (`--json`).
    pub(crate) fn silent(self, silent: bool) -> Self {
        Bar { silent, ..self }
    }

    pub(crate) fn update(&mut self, p: crate::migrate::Progress<'_>) {
        use crate::migrate::Progress;
        if self.silent {
            return;
        }
        match p {
            Progress::Applying { migration, index, total }
            | Progress::Reverting { migration, index, total } => {
                if self.tty && total > 1 {
                    let mut err = std::io::stderr();
                    let _ = write!(
                        err,
                        "\r\x1b[2K{} {index}/{total} {} {}",
                        bar(index, total),
                        self.verb,
                        migration.name()
                    );
                    let _ = err.flush();
                }
            }
            Progress::Stored { migration } => {
                if self.tty {
                    let _ = write!(std::io::stderr(), "\r\x1b[2K");
                }
                errln!(
                    "note: {} is not among these migrations (a newer release applied it): reverting it with the down SQL stored when it was applied",
                    migration.name()
                );
            }
            Progress::Waiting { migration, attempt, attempts, lock_timeout, wait, holders } => {
                if self.tty {
                    let _ = write!(std::io::stderr(), "\r\x1b[2K");
                }
                let held = match holders {
                    [] => String::new(),
                    [one] => format!(", held by {one}"),
                    [one, rest @ ..] => format!(", held by {one} and {} other session(s)", rest.len()),
                };
                errln!(
                    "waiting: {} gave up waiting {} for a lock{held}; try {attempt} of {attempts} in {}",
                    migration.name(),
                    duration(lock_timeout),
                    duration(wait)
                );
            }
            Progress::Done { migration, index, total, took } => {
                if self.tty && total > 1 {
                    let _ = write!(std::io::stderr(), "\r\x1b[2K");
                }
                let done = if self.verb == "applying" { "applied " } else { "reverted" };
                outln!("{done} {} ({})", migration.name(), duration(took));
                if self.tty && index + 1 == total {
                    let _ = std::io::stderr().flush();
                }
            }
        }
    }
}

/// A bar `done` of `total` full, thirty wide: `[#####     ]`.
pub(crate) fn bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 30;
    let filled = (WIDTH * done / total.max(1)).min(WIDTH);
    format!("[{}{}]", "#".repeat(filled), " ".repeat(WIDTH - filled))
}

pub(crate) fn duration(d: std::time::Duration) -> String {
    if d.as_secs() >= 1 { format!("{:.1} s", d.as_secs_f64()) } else { format!("{} ms", d.as_millis()) }
}

/// Makes a panic's message pass through [`redact`] before it is printed, as every other
/// message does: what panics may quote a URL (a driver's message, a value shown by `expect`).
/// The `strata` binary and [`Migrate::run`](super::Migrate::run) call it first.
pub fn redact_panics() {
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(std::io::stderr(), "{}", panic_text(info.payload(), info.location()));
    }));
}

fn panic_text(payload: &(dyn std::any::Any + Send), at: Option<&std::panic::Location<'_>>) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    let at = at.map_or(String::new(), |l| format!(" at {}:{}", l.file(), l.line()));
    format!(
        "error: strata panicked{at}: {}\n   = note: this is a bug in strata; please report it",
        redact(&message)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_prints_no_password() {
        let payload: Box<dyn std::any::Any + Send> =
            Box::new("called `Result::unwrap()` on `postgres://app:hunter9@db/prod`".to_owned());
        let text = super::panic_text(payload.as_ref(), None);
        assert!(text.contains("postgres://app:***@db/prod") && !text.contains("hunter9"), "{text}");
    }

    use super::redact;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact("at `mysql://root:pw@h/db`, then"), "at `mysql://root:***@h/db`, then");
        assert_eq!(redact("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact("sqlite://app.db?mode=rwc"), "sqlite://app.db?mode=rwc");
        assert_eq!(redact("a://u:p@h b://v:q@i"), "a://u:***@h b://v:***@i");
    }

    #[test]
    fn redacts_every_form_of_password() {
        // Raw `/`, `@` and `:` in the password, percent-encoded ones, and query parameters.
        assert_eq!(redact("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u:p@ss:w@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("mysql://u:p%2Fw%40rd@h/db"), "mysql://u:***@h/db");
        assert_eq!(
            redact("postgres://h/db?user=u&password=hunter2&sslmode=disable"),
            "postgres://h/db?user=u&password=***&sslmode=disable"
        );
        assert_eq!(redact("postgres://u:a@h/db?PASSWORD=b"), "postgres://u:***@h/db?PASSWORD=***");
        assert_eq!(redact("unknown target `postgres://u:x@h/d`"), "unknown target `postgres://u:***@h/d`");
    }
}
