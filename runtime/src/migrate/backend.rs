//! What the migrator needs from a database, once per database.

use std::future::Future;
use std::time::Duration;

use strata_schema::Dialect;

use super::Migration;

/// One row of the history table (sqlx's `_sqlx_migrations` layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: i64,
    pub description: String,
    /// When it was applied, as the database writes a timestamp.
    pub installed_on: String,
    /// `false` when a migration failed partway (MySQL commits DDL as it goes).
    pub success: bool,
    pub checksum: Vec<u8>,
    /// Nanoseconds, as sqlx records them.
    pub execution_time: i64,
}

/// A migration that stopped partway where its statements commit as they go (MySQL; PostgreSQL
/// outside a transaction): which of its statements are in, as strata recorded them statement by
/// statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    pub version: i64,
    /// `true` when it stopped while being reverted (its down file ran partway).
    pub reverting: bool,
    /// How many statements are in the database (and recorded as such), from the first.
    pub done: usize,
    /// The statement (1-based) that was sent when the run stopped, if it stopped while one ran
    /// that commits on its own (DDL): whether it is in is not recorded.
    pub running: Option<usize>,
    /// The statement (1-based) the database refused on the last run, and what it said.
    pub failed: Option<(usize, String)>,
    /// SHA-384 of the statements that are in ([`strata_schema::migrations::StatementsChecksum`]).
    pub checksum: Vec<u8>,
    /// How many statements the file that ran has now (the down file while reverting); `0` until
    /// the migrator, which knows the files, fills it in.
    pub statements: usize,
}

/// Why applying or reverting one migration stopped.
#[derive(Debug)]
pub struct RunError {
    pub source: sqlx::Error,
    /// The statement (0-based, of [`strata_schema::replay::statements`]) that failed, when the
    /// statements were sent one by one.
    pub statement: Option<usize>,
    /// The statements that are in the database and recorded as such, when some are though the
    /// migration failed (MySQL commits as it goes); `None` when nothing of it stayed.
    pub committed: Option<usize>,
}

/// What one migration's run hands the next within one run of the migrator.
///
/// On MySQL a migration's run makes three commits: the record that it begins, its DDL (which
/// commits on its own) and the record that it ended. The end of one goes in the transaction
/// that records the beginning of the next, two commits a migration where there were three; a
/// run that stops between them leaves the last statement of the one before marked running,
/// which the next run decides as it does after any stop there (by comparing the schema).
#[derive(Debug, Default)]
#[cfg_attr(not(feature = "mysql"), allow(dead_code))]
pub struct Carry {
    /// The record of the end of the migration before, not sent yet.
    pub(crate) end: Vec<String>,
    /// Whether another migration follows in this run: when none does, the end is written at
    /// once.
    pub(crate) follows: bool,
    /// Whether the progress table has a row for this migration, in this direction, as read at
    /// the start of the run: only such a run is carried on, so only it asks how far it got.
    pub(crate) resuming: bool,
    /// The fingerprint of the schema the replay gives after this migration's up, kept with its
    /// down SQL.
    pub(crate) fingerprint: Option<[u8; 48]>,
}

impl From<sqlx::Error> for RunError {
    fn from(source: sqlx::Error) -> Self {
        RunError { source, statement: None, committed: None }
    }
}

/// A database strata can migrate: SQLite, PostgreSQL, MySQL/MariaDB (by cargo feature).
///
/// Every method works on one connection, which the migrator holds for the whole run.
pub trait Backend: sqlx::Database + private::Sealed {
    const DIALECT: Dialect;

    /// Whether [`lock`](Backend::lock) takes a lock that lives as long as the session, which
    /// closing the connection releases.
    const SESSION_LOCK: bool;

    /// Takes the database-wide migration lock (the one sqlx's migrator takes, so the two
    /// serialise against each other), waiting for it at most `wait` when given: `Ok(false)`
    /// when another migrator held it all that time. SQLite takes a lock per migration instead.
    fn lock(
        conn: &mut Self::Connection,
        wait: Option<Duration>,
    ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;

    fn unlock(conn: &mut Self::Connection) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    fn ensure_table(
        conn: &mut Self::Connection,
        table: &str,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Whether the history table exists: what reading the history needs to know without
    /// creating it.
    fn has_table(
        conn: &mut Self::Connection,
        table: &str,
    ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;

    /// Rows of (text, integer, text), for reading other tools' history tables (`adopt`).
    fn rows(
        conn: &mut Self::Connection,
        sql: &str,
    ) -> impl Future<Output = Result<Vec<(String, i64, String)>, sqlx::Error>> + Send;

    /// The history, oldest first.
    fn applied(
        conn: &mut Self::Connection,
        table: &str,
    ) -> impl Future<Output = Result<Vec<Applied>, sqlx::Error>> + Send;

    /// Runs `m`'s up SQL and records it, in one transaction where the database allows.
    /// `Ok(None)` when another migrator applied it first. Where a migration can stop partway
    /// ([`Partial`]), it carries on from the statements recorded as in.
    fn apply(
        conn: &mut Self::Connection,
        table: &str,
        m: &Migration,
        carry: &mut Carry,
    ) -> impl Future<Output = Result<Option<Duration>, RunError>> + Send;

    /// The migrations that stopped partway, as recorded statement by statement; none on a
    /// database that runs each migration in one transaction. Creates nothing.
    fn partials(
        conn: &mut Self::Connection,
        table: &str,
    ) -> impl Future<Output = Result<Vec<Partial>, sqlx::Error>> + Send {
        let _ = (conn, table);
        async { Ok(Vec::new()) }
    }

    /// The largest statement the server takes, in bytes (MySQL's `max_allowed_packet`), where
    /// there is such a limit.
    fn max_statement(
        conn: &mut Self::Connection,
    ) -> impl Future<Output = Result<Option<u64>, sqlx::Error>> + Send {
        let _ = conn;
        async { Ok(None) }
    }

    /// The database's schema, read through its catalog and normalised (see [`crate::introspect`]).
    fn introspect(
        conn: &mut Self::Connection,
    ) -> impl Future<Output = Result<strata_schema::Schema, crate::introspect::IntrospectError>> + Send;

    /// Runs SQL as it is (several statements), on its own.
    fn execute(
        conn: &mut Self::Connection,
        sql: &str,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Runs a data step's Rust function over `conn`.
    fn data(
        conn: &mut Self::Connection,
        step: &super::DataStep,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Sets on the run's connection (closed after the run) what the next migration runs with:
    /// its lock and statement timeouts. Nothing on SQLite, where a writer waits for another
    /// with the connection's busy timeout.
    fn limit(
        conn: &mut Self::Connection,
        timeouts: &strata_schema::Timeouts,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
        let _ = (conn, timeouts);
        async { Ok(()) }
    }

    /// How long a statement waits for a lock under `timeouts`, as the database counts it.
    fn lock_wait(timeouts: &strata_schema::Timeouts) -> Duration {
        timeouts.lock
    }

    /// Whether `e` is the database giving up waiting for a lock (PostgreSQL's `lock_timeout`,
    /// MySQL's `lock_wait_timeout`).
    fn lock_timed_out(e: &sqlx::Error) -> bool {
        let _ = e;
        false
    }

    /// Who holds a lock on a table `sql` names (else on any table), as a user reads it: what
    /// [`limit`](Backend::limit)'s lock timeout waited for.
    fn holders(
        conn: &mut Self::Connection,
        sql: &str,
    ) -> impl Future<Output = Result<Vec<String>, sqlx::Error>> + Send {
        let _ = (conn, sql);
        async { Ok(Vec::new()) }
    }

    /// Waits `wait` on the server, where the run holds its connection and lock (no runtime's
    /// timer needed).
    fn pause(
        conn: &mut Self::Connection,
        wait: Duration,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
        let _ = (conn, wait);
        async { Ok(()) }
    }

    /// Runs `m`'s down SQL and removes its record, in one transaction where the database allows.
    fn revert(
        conn: &mut Self::Connection,
        table: &str,
        m: &Migration,
        down: &str,
        carry: &mut Carry,
    ) -> impl Future<Output = Result<Duration, RunError>> + Send;
}

pub(crate) mod private {
    pub trait Sealed {}
}

/// Whether the identifier `name` is a word of `sql`, without regard to case: a table a
/// migration names, for saying who held the lock it waited for.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn names(sql: &str, name: &str) -> bool {
    let (sql, name) = (sql.to_ascii_lowercase(), name.to_ascii_lowercase());
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    sql.match_indices(&name)
        .any(|(i, _)| !word(sql[..i].chars().next_back()) && !word(sql[i + name.len()..].chars().next()))
}

/// The sessions holding locks, described, of `rows` (table, description): those on a table
/// `sql` names, else all of them; one description a session.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn on_named(sql: &str, rows: Vec<(String, String)>) -> Vec<String> {
    let named: Vec<&(String, String)> = rows.iter().filter(|(t, _)| names(sql, t)).collect();
    let chosen: Vec<&(String, String)> = if named.is_empty() { rows.iter().collect() } else { named };
    let mut out: Vec<String> = Vec::new();
    for (_, d) in chosen {
        if !out.contains(d) {
            out.push(d.clone());
        }
    }
    out.truncate(5);
    out
}

/// The history table's name, quoted for `dialect`.
pub(crate) fn quoted(dialect: Dialect, table: &str) -> String {
    table.split('.').map(|part| dialect.quote_ident(part)).collect::<Vec<_>>().join(".")
}

/// A row of the history table as [`history_sql`] selects it.
pub(crate) type HistoryRow = (i64, String, String, bool, Vec<u8>, i64);

impl From<HistoryRow> for Applied {
    fn from((version, description, installed_on, success, checksum, execution_time): HistoryRow) -> Self {
        Applied { version, description, installed_on, success, checksum, execution_time }
    }
}

/// The history, oldest first, with the timestamp as text in each database's spelling.
pub(crate) fn history_sql(dialect: Dialect, table: &str) -> String {
    let (description, installed_on) = match dialect {
        Dialect::Sqlite => ("description", "CAST(installed_on AS TEXT)"),
        Dialect::Postgres => ("description", "installed_on::text"),
        Dialect::Mysql => ("CAST(description AS CHAR)", "CAST(installed_on AS CHAR)"),
    };
    format!(
        "SELECT version, {description}, {installed_on}, success, checksum, execution_time FROM {} ORDER BY version",
        quoted(dialect, table)
    )
}

/// `1` when the history table exists where an unqualified name finds it, else `0`.
pub(super) fn has_table_sql(dialect: Dialect, table: &str) -> String {
    let name = table.replace('\'', "''");
    match dialect {
        Dialect::Sqlite => {
            format!("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{name}'")
        }
        Dialect::Postgres => format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{name}'"
        ),
        Dialect::Mysql => format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{name}'"
        ),
    }
}

/// The table sqlx creates, in each database's types.
pub fn create_table_sql(dialect: Dialect, table: &str) -> String {
    let (installed, checksum) = match dialect {
        Dialect::Postgres => ("TIMESTAMPTZ NOT NULL DEFAULT now()", "BYTEA"),
        _ => ("TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP", "BLOB"),
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {} (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on {installed},
    success BOOLEAN NOT NULL,
    checksum {checksum} NOT NULL,
    execution_time BIGINT NOT NULL
);
{}",
        quoted(dialect, table),
        create_downs_sql(dialect, table)
    )
}

/// The table that keeps each applied migration's down SQL (`<history>_downs`), so that a binary
/// that does not have the migration (an older release) can revert it. sqlx's table is left as
/// it is.
pub fn downs_table(table: &str) -> String {
    format!("{table}_downs")
}

/// The `CREATE TABLE IF NOT EXISTS` of [`downs_table`]: each migration's down SQL, whether it
/// runs outside a transaction, and the fingerprint of the schema the replay gave after its up.
pub fn create_downs_sql(dialect: Dialect, table: &str) -> String {
    let (text, bytes) = match dialect {
        Dialect::Postgres => ("TEXT", "BYTEA"),
        Dialect::Mysql => ("LONGTEXT", "BLOB"),
        Dialect::Sqlite => ("TEXT", "BLOB"),
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {} (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    down_sql {text} NOT NULL,
    no_transaction BOOLEAN NOT NULL,
    fingerprint {bytes}
)",
        quoted(dialect, &downs_table(table))
    )
}

/// The statement that keeps `m`'s down SQL (none when it has no down), with the fingerprint of
/// the schema after its up when known.
pub(crate) fn store_down_sql(
    dialect: Dialect,
    table: &str,
    m: &Migration,
    fingerprint: Option<&[u8]>,
) -> Option<String> {
    let down = m.down?;
    let t = quoted(dialect, &downs_table(table));
    let fingerprint = fingerprint.map_or("NULL".to_owned(), |f| checksum_literal(dialect, f));
    let values = format!(
        "({}, {}, {}, {}, {fingerprint})",
        m.version,
        text_literal(dialect, m.description),
        text_literal(dialect, down),
        if m.down_no_transaction { "TRUE" } else { "FALSE" }
    );
    let columns = "(version, description, down_sql, no_transaction, fingerprint)";
    Some(match dialect {
        Dialect::Mysql => format!("REPLACE INTO {t} {columns} VALUES {values}"),
        Dialect::Sqlite => format!("INSERT OR REPLACE INTO {t} {columns} VALUES {values}"),
        Dialect::Postgres => format!(
            "INSERT INTO {t} {columns} VALUES {values} ON CONFLICT (version) DO UPDATE SET description = EXCLUDED.description, down_sql = EXCLUDED.down_sql, no_transaction = EXCLUDED.no_transaction, fingerprint = EXCLUDED.fingerprint"
        ),
    })
}

/// The statement that forgets the stored downs of `m`'s history rows.
pub(crate) fn forget_down_sql(dialect: Dialect, table: &str, m: &Migration) -> String {
    format!("DELETE FROM {} WHERE {}", quoted(dialect, &downs_table(table)), rows_of(m))
}

/// `text` as a string literal of `dialect` (MySQL reads backslashes as escapes).
pub(crate) fn text_literal(dialect: Dialect, text: &str) -> String {
    let text = if dialect == Dialect::Mysql { text.replace('\\', "\\\\") } else { text.to_owned() };
    format!("'{}'", text.replace('\'', "''"))
}

/// The statement that records `m` as applied, with its values written out, and keeps its down
/// SQL: what `stamp` runs and what the offline script (`strata sql`) contains.
pub fn record_sql(dialect: Dialect, table: &str, m: &Migration) -> String {
    let checksum = checksum_literal(dialect, &m.sqlx_checksum);
    let mut out = format!(
        "INSERT INTO {} (version, description, success, checksum, execution_time) VALUES ({}, {}, TRUE, {checksum}, 0);",
        quoted(dialect, table),
        m.version,
        text_literal(dialect, m.description)
    );
    if let Some(store) = store_down_sql(dialect, table, m, None) {
        out.push('\n');
        out.push_str(&store);
        out.push(';');
    }
    out
}

/// The table where MySQL records how far a running migration got (`<history>_progress`).
pub fn progress_table(table: &str) -> String {
    format!("{table}_progress")
}

/// `statements` in one transaction of `dialect`, as one script (a `;` that ends one is not
/// doubled).
pub(crate) fn transaction(dialect: Dialect, statements: &[&str]) -> String {
    let begin = if dialect == Dialect::Mysql { "START TRANSACTION" } else { "BEGIN" };
    let body: Vec<&str> = statements.iter().map(|s| s.trim_end().trim_end_matches(';')).collect();
    format!("{begin};\n{};\nCOMMIT", body.join(";\n"))
}

/// A checksum written out as a literal of `dialect`.
pub(crate) fn checksum_literal(dialect: Dialect, checksum: &[u8]) -> String {
    let hex = strata_schema::migrations::hex(checksum);
    match dialect {
        Dialect::Postgres => format!("'\\x{hex}'::bytea"),
        _ => format!("X'{hex}'"),
    }
}

/// The statement that removes `version` from the history.
pub fn forget_sql(dialect: Dialect, table: &str, m: &Migration) -> String {
    format!(
        "DELETE FROM {} WHERE {};\n{};",
        quoted(dialect, table),
        rows_of(m),
        forget_down_sql(dialect, table, m)
    )
}

/// The history rows of `m`: its version's, and those of the migrations it squashes.
pub(crate) fn rows_of(m: &Migration) -> String {
    if m.replaces.is_empty() {
        return format!("version = {}", m.version);
    }
    let mut versions: Vec<i64> = m.replaces.iter().map(|r| r.version).collect();
    versions.push(m.version);
    versions.sort_unstable();
    versions.dedup();
    format!("version IN ({})", versions.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
}

/// sqlx's lock key for a database name, so that strata and sqlx migrators exclude each other.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn lock_id(database: &str) -> i64 {
    const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    0x3d32_ad9e * i64::from(CRC.checksum(database.as_bytes()))
}

/// The parts of `sql` around its `-- strata:rust` line and the step to run there, or `sql`
/// whole when it has no such line. A line whose function the binary does not carry is an
/// error (the migrator refuses such a run before it starts).
pub(crate) fn around_data<'a>(
    dialect: Dialect,
    sql: &'a str,
    data: Option<&'a super::DataStep>,
) -> Result<Option<(&'a str, &'a super::DataStep, &'a str)>, sqlx::Error> {
    let Some(r) = strata_schema::replay::rust_step_span(dialect, sql) else { return Ok(None) };
    match data {
        Some(step) => Ok(Some((&sql[..r.start], step, &sql[r.end..]))),
        None => Err(sqlx::Error::InvalidArgument(format!(
            "`{}` runs Rust code this binary does not carry",
            sql[r].trim()
        ))),
    }
}

/// One applied migration's down SQL, as [`downs_table`] keeps it.
#[derive(Debug, Clone)]
pub(crate) struct KeptDown {
    pub version: i64,
    pub description: String,
    pub down_sql: String,
    pub no_transaction: bool,
}

/// Every down SQL kept in [`downs_table`]; none when the table is not there.
pub(crate) async fn read_downs<DB: Backend>(
    conn: &mut DB::Connection,
    table: &str,
) -> Result<Vec<KeptDown>, sqlx::Error> {
    let downs = downs_table(table);
    if !DB::has_table(conn, &downs).await? {
        return Ok(Vec::new());
    }
    let t = quoted(DB::DIALECT, &downs);
    let sql = format!("SELECT description, version, down_sql FROM {t}");
    let rows = DB::rows(conn, &sql).await?;
    let flags =
        format!("SELECT description, version, CASE WHEN no_transaction THEN 'y' ELSE 'n' END FROM {t}");
    let flags = DB::rows(conn, &flags).await?;
    Ok(rows
        .into_iter()
        .map(|(description, version, down_sql)| KeptDown {
            no_transaction: flags.iter().any(|f| f.1 == version && f.2 == "y"),
            version,
            description,
            down_sql,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{names, on_named};

    #[test]
    fn a_holder_on_a_table_the_migration_names_is_said_first() {
        assert!(names("ALTER TABLE Notes ADD COLUMN x INT", "notes"));
        assert!(!names("ALTER TABLE notes_archive ADD COLUMN x INT", "notes"));
        assert!(!names("ALTER TABLE my_notes ADD COLUMN x INT", "notes"));
        let rows = |list: &[(&str, &str)]| list.iter().map(|(t, d)| (t.to_string(), d.to_string())).collect();
        let sql = "ALTER TABLE notes ADD COLUMN x INT";
        assert_eq!(on_named(sql, rows(&[("users", "a"), ("notes", "b"), ("notes", "b")])), ["b"]);
        // None on a named table: every holder, as the lock may be on one the SQL reaches
        // another way (a foreign key's table).
        assert_eq!(on_named(sql, rows(&[("users", "a"), ("tags", "c")])), ["a", "c"]);
    }
}
