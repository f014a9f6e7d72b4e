//! DDL replay: running a migration history's DDL against an in-memory [`Schema`].
//!
//! Truthful or loud: a statement that changes a table's shape is applied; one that cannot
//! (DML, functions, triggers, views, grants, comments) is skipped; anything else is a
//! [`ReplayError`] at the statement's file, line and column.

mod apply;
pub(crate) use apply::pg_name;
mod split;

use std::fmt;
use std::path::{Path, PathBuf};

use sqlparser::parser::Parser;

use crate::migrations::MigrationSet;
use crate::{Dialect, Schema};

/// A statement the replay could not apply, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayError {
    pub path: PathBuf,
    pub line: u64,
    pub column: u64,
    pub message: String,
    /// The source line the error points into.
    pub source_line: String,
}

impl ReplayError {
    /// The message with a rustc-style excerpt, the file shown as `shown`.
    pub fn render(&self, shown: &str) -> String {
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        let caret_at: String = self
            .source_line
            .chars()
            .take(self.column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!(
            "{}\n{pad}--> {shown}:{}:{}\n{pad} |\n{number} | {}\n{pad} | {caret_at}^",
            self.message, self.line, self.column, self.source_line
        )
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.render(&self.path.display().to_string()))
    }
}

impl std::error::Error for ReplayError {}

/// Replays every migration's up SQL of `set`, in order.
pub fn replay(set: &MigrationSet) -> Result<Schema, ReplayError> {
    replay_until(set, None)
}

/// Replays the up SQL of the migrations up to and including `version` (all if `None`).
pub fn replay_until(set: &MigrationSet, version: Option<i64>) -> Result<Schema, ReplayError> {
    let mut schema = Schema::default();
    for m in &set.migrations {
        if version.is_some_and(|v| m.version_number > v) {
            break;
        }
        apply_sql(set.config.dialect, &mut schema, &m.up.path, &m.up.sql)?;
    }
    Ok(schema)
}

/// Applies the DDL in `sql` (read from `path`, used in errors) to `schema`.
///
/// On error `schema` may hold the statements before the failing one.
pub fn apply_sql(dialect: Dialect, schema: &mut Schema, path: &Path, sql: &str) -> Result<(), ReplayError> {
    let located = |line: u64, column: u64, message: String| ReplayError {
        path: path.to_owned(),
        line,
        column,
        message,
        source_line: sql.lines().nth(line.saturating_sub(1) as usize).unwrap_or("").to_owned(),
    };
    let statements =
        split::split(dialect, sql).map_err(|(l, c, m)| located(l, c, format!("cannot read the SQL: {m}")))?;
    let mut temp_tables: Vec<String> = Vec::new();
    let d = dialect.parser_dialect();
    for stmt in statements {
        let kind = split::classify(&stmt);
        if kind == split::Kind::Skip {
            continue;
        }
        if kind == split::Kind::Unknown {
            let what = stmt.head.iter().take(3).cloned().collect::<Vec<_>>().join(" ");
            return Err(located(
                stmt.line,
                stmt.column,
                format!(
                    "strata cannot tell what `{what}` does to the schema; move it to a migration strata does not replay, or open an issue"
                ),
            ));
        }
        let ast = Parser::new(&*d)
            .with_tokens_with_locations(stmt.tokens.clone())
            .parse_statement()
            .map_err(|e| {
                let (line, column, message) = parser_error_location(&e.to_string(), &stmt);
                located(
                    line,
                    column,
                    format!("cannot parse this statement as {}: {message}", dialect.title()),
                )
            })?;
        if kind == split::Kind::TempTable {
            if let sqlparser::ast::Statement::CreateTable(c) = &ast {
                temp_tables.push(apply::object_name(dialect, &c.name));
            }
            continue;
        }
        let mut cx = apply::Context { dialect, schema, temp_tables: &temp_tables, stmt: &stmt };
        cx.apply(ast).map_err(|(line, column, message)| {
            let (line, column) = if line == 0 { (stmt.line, stmt.column) } else { (line, column) };
            located(line, column, message)
        })?;
    }
    Ok(())
}

/// sqlparser puts `at Line: L, Column: C` in its messages; lift it out.
fn parser_error_location(message: &str, stmt: &split::Statement) -> (u64, u64, String) {
    let message = message.trim_start_matches("sql parser error: ");
    if let Some(at) = message.rfind(" at Line: ") {
        let loc = &message[at + " at Line: ".len()..];
        let mut parts = loc.split(", Column: ");
        let line = parts.next().and_then(|l| l.trim().parse().ok());
        let column = parts.next().and_then(|c| c.trim().parse().ok());
        if let (Some(line), Some(column)) = (line, column) {
            return (line, column, message[..at].to_owned());
        }
    }
    (stmt.line, stmt.column, message.to_owned())
}

#[cfg(test)]
mod tests;
