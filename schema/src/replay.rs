//! DDL replay: running a migration history's DDL against an in-memory [`Schema`].
//!
//! Truthful or loud: a statement that changes a table's shape is applied; one that cannot
//! (DML, functions, triggers, views, grants, comments) is skipped; anything else is a
//! [`ReplayError`] at the statement's file, line and column.

mod apply;
mod owners;
mod prove;
mod rewrite;
mod split;

use std::fmt;
use std::path::{Path, PathBuf};

use sqlparser::parser::Parser;

pub(crate) use apply::{ident, object_name, pg_name};
use owners::IndexOwners;
pub(crate) use owners::renames;

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
        let pad = " ".repeat(self.line.to_string().len());
        format!(
            "{}\n{pad}--> {shown}:{}:{}\n{}",
            self.message,
            self.line,
            self.column,
            self.excerpt().join("\n")
        )
    }

    /// The three lines of rustc's excerpt: a gutter, the source line, a caret under the column.
    pub fn excerpt(&self) -> Vec<String> {
        excerpt(self.line, self.column, &self.source_line)
    }
}

/// rustc's excerpt of `source_line`, line `line` of its file: a gutter, the line, a caret under
/// `column`.
pub fn excerpt(line: u64, column: u64, source_line: &str) -> Vec<String> {
    let number = line.to_string();
    let pad = " ".repeat(number.len());
    let caret_at: String = source_line
        .chars()
        .take(column.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    vec![format!("{pad} |"), format!("{number} | {source_line}"), format!("{pad} | {caret_at}^")]
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
///
/// Files are parsed on all cores while their statements are applied in history order, so the
/// error reported is always the first one in the history.
pub fn replay_until(set: &MigrationSet, version: Option<i64>) -> Result<Schema, ReplayError> {
    crate::par::deep(|| replay_until_here(set, version))
}

fn replay_until_here(set: &MigrationSet, version: Option<i64>) -> Result<Schema, ReplayError> {
    let dialect = set.config.dialect;
    let files: Vec<_> =
        set.migrations.iter().take_while(|m| version.is_none_or(|v| m.version_number <= v)).collect();
    let mut schema = Schema::default();
    let mut owners = IndexOwners::default();
    crate::par::pipeline(
        &files,
        |m| parse(dialect, &m.up.path, &m.up.sql, &effects(set, m)),
        |m, steps| apply_steps(dialect, &mut schema, &mut owners, &m.up.path, &m.up.sql, steps),
    )?;
    Ok(schema)
}

/// What `strata.toml` says of the statements of `m`'s up file (see [`apply_sql_with`]).
fn effects<'a>(set: &'a MigrationSet, m: &crate::Migration) -> Vec<(u64, Option<&'a str>)> {
    set.config.effects.iter().filter(|e| m.has_up_effect(e)).map(|e| (e.line, e.sql.as_deref())).collect()
}

/// For a goose or dbmate file, the text of the direction other than the down's (`down`) or
/// the up's: the two share a path.
pub(crate) fn other_of(m: &crate::Migration, down: bool) -> Option<&str> {
    if !m.layout.is_annotated() {
        return None;
    }
    if down { Some(&m.up.sql) } else { m.down.as_ref().map(|d| d.sql.as_str()) }
}

/// Whether an `[[effect]]` at `line` is for the direction `sql`: unless the line is empty in
/// it and holds SQL in the `other` direction of the same file. An effect at a line with no
/// statement in either is still refused where it is read.
pub(crate) fn belongs_here(line: u64, sql: &str, other: Option<&str>) -> bool {
    let holds =
        |text: &str| text.lines().nth(line.saturating_sub(1) as usize).is_some_and(|l| !l.trim().is_empty());
    holds(sql) || !other.is_some_and(holds)
}

/// What the linter sees of the replay: each up file, and each of its statements with the
/// schema just before it and just after it.
pub(crate) trait Walker {
    fn file(&mut self, m: &crate::Migration);
    fn before(&mut self, m: &crate::Migration, statement: &Located, schema: &Schema);
    fn after(&mut self, m: &crate::Migration, schema: &Schema);
}

/// Replays every up file of `set` as [`replay`] does, statement by statement, showing each to
/// `walker` (the statements the replay skips parsed too).
pub(crate) fn walk(set: &MigrationSet, walker: &mut (impl Walker + Send)) -> Result<Schema, ReplayError> {
    crate::par::deep(|| {
        let dialect = set.config.dialect;
        let files: Vec<&crate::Migration> = set.migrations.iter().collect();
        let mut schema = Schema::default();
        let mut owners = IndexOwners::default();
        crate::par::pipeline(
            &files,
            |m| parse_located(dialect, &m.up.path, &m.up.sql, &effects(set, m), true),
            |m, statements| {
                walker.file(m);
                let mut temp_tables = Vec::new();
                for mut statement in statements {
                    walker.before(m, &statement, &schema);
                    let steps = std::mem::take(&mut statement.steps);
                    let (path, sql) = (&m.up.path, &m.up.sql);
                    apply_steps_in(dialect, &mut schema, &mut owners, path, sql, steps, &mut temp_tables)?;
                    walker.after(m, &schema);
                }
                Ok(())
            },
        )?;
        Ok(schema)
    })
}

/// Replays `set` as [`replay`] does and proves every down file on the way: the migrations it
/// finds whose down does not give back the schema before their up (see [`crate::downs`]).
pub(crate) fn replay_proving(
    set: &MigrationSet,
) -> Result<(Schema, Vec<crate::downs::Unrestored>), ReplayError> {
    crate::par::deep(|| {
        let dialect = set.config.dialect;
        let files: Vec<&crate::Migration> = set.migrations.iter().collect();
        let mut schema = Schema::default();
        let mut owners = IndexOwners::default();
        let mut found = Vec::new();
        crate::par::pipeline(
            &files,
            |m| prove::parse_both(dialect, set, m),
            |m, parsed| {
                found.extend(prove::apply_proving(dialect, &mut schema, &mut owners, set, m, parsed)?);
                Ok(())
            },
        )?;
        Ok((schema, found))
    })
}

/// The statements of a file, as text, for running them one by one (PostgreSQL runs several sent
/// together in one implicit transaction, which `-- no-transaction` files must avoid). The whole
/// file as one when it does not tokenize: the database then reports what is wrong.
pub fn statements(dialect: Dialect, sql: &str) -> Vec<&str> {
    statement_spans(dialect, sql).into_iter().map(|r| &sql[r]).collect()
}

/// Where the statements of a file are: the byte range of each, from its first token to its last
/// (the semicolon left out). The whole file as one when it does not tokenize.
pub fn statement_spans(dialect: Dialect, sql: &str) -> Vec<std::ops::Range<usize>> {
    split::spans(dialect, sql).unwrap_or_else(|| std::iter::once(0..sql.len()).collect())
}

/// Where the `-- strata:rust <path>` line of a migration file is, as a byte range: what runs
/// before it, and what after the Rust function it names.
pub fn rust_step_span(dialect: Dialect, sql: &str) -> Option<std::ops::Range<usize>> {
    if !sql.contains(split::RUST) {
        return None;
    }
    statement_spans(dialect, sql).into_iter().find(|r| is_rust_step(&sql[r.clone()]))
}

/// Whether a statement (as [`statements`] gives it) is a `-- strata:rust` line.
pub fn is_rust_step(statement: &str) -> bool {
    statement.strip_prefix("--").is_some_and(|c| c.trim_start().starts_with(split::RUST))
}

/// `sql` cut into pieces of whole statements of about `size` bytes, at semicolons outside
/// strings, quoted names, comments and trigger bodies: what SQLite runs piece by piece, as it
/// copies the rest of a script at every statement it reads.
pub fn pieces(sql: &str, size: usize) -> Vec<&str> {
    split::pieces(sql, size)
}

/// Whether `sql` holds no statement at all: only white space, comments and semicolons (a
/// migration kept for its number, or a down with nothing to undo). MySQL refuses to run such
/// text ("Query was empty"); there is nothing to run.
pub fn is_empty(dialect: Dialect, sql: &str) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let d = dialect.parser_dialect();
    match Tokenizer::new(&*d, sql).tokenize() {
        Ok(tokens) => tokens.iter().all(|t| matches!(t, Token::Whitespace(_) | Token::SemiColon)),
        Err(_) => false,
    }
}

/// Applies the DDL in `sql` (read from `path`, used in errors) to `schema`.
///
/// On error `schema` may hold the statements before the failing one.
pub fn apply_sql(dialect: Dialect, schema: &mut Schema, path: &Path, sql: &str) -> Result<(), ReplayError> {
    apply_sql_with(dialect, schema, path, sql, &[])
}

/// [`apply_sql`] with what `strata.toml` says of the file's statements: `(line, sql)`, the
/// statement starting on `line` does what `sql` does (nothing when `None`).
pub fn apply_sql_with(
    dialect: Dialect,
    schema: &mut Schema,
    path: &Path,
    sql: &str,
    effects: &[(u64, Option<&str>)],
) -> Result<(), ReplayError> {
    crate::par::deep(|| {
        let mut owners = IndexOwners::new(schema);
        apply_steps(dialect, schema, &mut owners, path, sql, parse(dialect, path, sql, effects))
    })
}

/// One statement of a file, parsed and ready to apply.
pub(crate) enum Step {
    Ddl {
        ast: Box<sqlparser::ast::Statement>,
        line: u64,
        column: u64,
        guard: rewrite::Guard,
    },
    /// A statement that changes nothing strata holds, but needs `table` to have the
    /// constraint `name` (`ALTER TABLE ... ALTER CONSTRAINT`).
    ConstraintExists {
        table: sqlparser::tokenizer::Word,
        name: sqlparser::tokenizer::Word,
        span: sqlparser::tokenizer::Span,
        line: u64,
        column: u64,
    },
    TempTable(String),
    /// `CREATE FUNCTION` / `CREATE PROCEDURE`: the name of code the history defines.
    Defines(String),
    /// A statement strata skips that calls functions, each with where it is called.
    Calls(Vec<(String, u64, u64)>),
    /// A view whose query sqlparser cannot read: its name, and whether it is materialized;
    /// what it reads stays unknown.
    View(String, bool),
    /// The file's first statement that cannot be read; nothing after it is parsed.
    Error(ReplayError),
    /// What `strata.toml` says the statement on `line` does: `text`, read into `steps`.
    Said {
        steps: Vec<Step>,
        text: String,
        line: u64,
    },
}

fn located(path: &Path, sql: &str, line: u64, column: u64, message: String) -> ReplayError {
    ReplayError {
        path: path.to_owned(),
        line,
        column,
        message,
        source_line: sql.lines().nth(line.saturating_sub(1) as usize).unwrap_or("").to_owned(),
    }
}

/// Reads a file's statements; touches no schema, so files parse in parallel. `effects` are
/// `strata.toml`'s word on statements of this file (see [`apply_sql_with`]).
fn parse(dialect: Dialect, path: &Path, sql: &str, effects: &[(u64, Option<&str>)]) -> Vec<Step> {
    parse_located(dialect, path, sql, effects, false).into_iter().flat_map(|p| p.steps).collect()
}

/// One statement of a file as the linter reads it: where it is, its first words, the
/// `strata:allow` comments on it, and the steps the replay makes of it.
pub(crate) struct Located {
    pub line: u64,
    pub column: u64,
    /// The first words, uppercased (kept when linting).
    pub head: Vec<String>,
    pub allows: Vec<split::Allow>,
    pub steps: Vec<Step>,
    /// A statement the replay skips (DML, `SET`, `BEGIN`...), parsed for the linter when
    /// sqlparser reads it.
    pub skipped: Option<sqlparser::ast::Statement>,
}

/// [`parse`], statement by statement; with `linting`, each statement's first words are kept
/// and the statements the replay skips are parsed too.
pub(crate) fn parse_located(
    dialect: Dialect,
    path: &Path,
    sql: &str,
    effects: &[(u64, Option<&str>)],
    linting: bool,
) -> Vec<Located> {
    let mut used: Vec<u64> = Vec::new();
    let statements = match split::split(dialect, sql) {
        Ok(s) => s,
        Err((l, c, m)) => {
            let error = Step::Error(located(path, sql, l, c, format!("cannot read the SQL: {m}")));
            return vec![Located::alone(l, c, error)];
        }
    };
    let mut out: Vec<Located> = Vec::with_capacity(statements.len());
    for mut stmt in statements {
        let mut here = Located {
            line: stmt.line,
            column: stmt.column,
            // The linter reads the first words; the replay has them in `stmt`.
            head: if linting { stmt.head.clone() } else { Vec::new() },
            allows: std::mem::take(&mut stmt.allows),
            steps: Vec::new(),
            skipped: None,
        };
        let stop = parse_statement(dialect, path, sql, stmt, effects, &mut used, &mut here, linting);
        out.push(here);
        if stop {
            break;
        }
    }
    // An `[[effect]]` for a line where no statement starts would say nothing, silently.
    let failed = out.iter().flat_map(|l| &l.steps).any(|s| matches!(s, Step::Error(_)));
    if let Some((line, _)) = effects.iter().find(|(l, _)| !used.contains(l)).filter(|_| !failed) {
        let message = format!(
            "strata.toml gives an `[[effect]]` for line {line} of this file, but no statement starts there"
        );
        out.push(Located::alone(*line, 1, Step::Error(located(path, sql, *line, 1, message))));
    }
    out
}

impl Located {
    /// The statement as parsed: the replay's own for DDL, the linter's for what it skips.
    pub(crate) fn ast(&self) -> Option<&sqlparser::ast::Statement> {
        self.steps
            .iter()
            .find_map(|s| match s {
                Step::Ddl { ast, .. } => Some(&**ast),
                _ => None,
            })
            .or(self.skipped.as_ref())
    }

    fn alone(line: u64, column: u64, step: Step) -> Self {
        Located { line, column, head: Vec::new(), allows: Vec::new(), steps: vec![step], skipped: None }
    }
}

/// Reads one statement into `here.steps`; `true` when nothing after it is to be read.
#[allow(clippy::too_many_arguments)]
fn parse_statement(
    dialect: Dialect,
    path: &Path,
    sql: &str,
    stmt: split::Statement,
    effects: &[(u64, Option<&str>)],
    used: &mut Vec<u64>,
    here: &mut Located,
    linting: bool,
) -> bool {
    let d = dialect.parser_dialect();
    let kind = split::classify(&stmt);
    if linting && kind == split::Kind::Skip && stmt.effect.is_none() {
        here.skipped = Parser::new(&*d)
            .with_recursion_limit(crate::par::NESTING)
            .with_tokens_with_locations(stmt.tokens.clone())
            .parse_statement()
            .ok();
    }
    let steps = &mut here.steps;
    let (line, column) = (stmt.line, stmt.column);
    if let Some((_, effect)) = effects.iter().find(|(l, _)| *l == line) {
        used.push(line);
        let wrong = if stmt.effect.is_some() {
            Some("strata.toml and a `strata:effect` comment both say what this statement does; keep one")
        } else if matches!(kind, split::Kind::Ddl | split::Kind::TempTable) {
            Some(
                "strata replays this statement itself; strata.toml's `[[effect]]` for it is for statements it cannot see into (remove it)",
            )
        } else {
            None
        };
        if let Some(message) = wrong {
            steps.push(Step::Error(located(path, sql, line, column, message.into())));
            return true;
        }
        let Some(text) = effect else { return false };
        // The DDL strata.toml gives, read on its own: its errors point into it.
        let inner = parse(dialect, Path::new("strata.toml"), text, &[]);
        steps.push(Step::Said { steps: inner, text: (*text).to_owned(), line });
        return false;
    }
    match (&stmt.effect, &kind) {
        (None, _) => {}
        (Some(split::Effect::Malformed(l, c, m)), _) => {
            steps.push(Step::Error(located(path, sql, *l, *c, m.clone())));
            return true;
        }
        (Some(_), split::Kind::Ddl | split::Kind::TempTable) => {
            let message = "strata replays this statement itself; a `strata:effect` comment is for statements it cannot see into (remove the comment)";
            steps.push(Step::Error(located(path, sql, line, column, message.into())));
            return true;
        }
        (Some(split::Effect::None), _) => return false,
        (Some(split::Effect::Sql { start, end }), _) => {
            // The DDL in the comment, parsed where it stands so that its errors point into
            // the comment; everything around it is blanked, line breaks kept.
            let masked: String = sql
                .char_indices()
                .map(|(i, c)| if (*start..*end).contains(&i) || c == '\n' { c } else { ' ' })
                .collect();
            let inner = parse(dialect, path, &masked, &[]);
            let failed = inner.iter().any(|s| matches!(s, Step::Error(_)));
            steps.extend(inner);
            if failed {
                return true;
            }
            return false;
        }
    }
    if kind == split::Kind::Rust {
        return false;
    }
    if kind == split::Kind::Skip {
        match split::defined_function(&stmt) {
            Some(name) => steps.push(Step::Defines(name)),
            None => {
                let calls = split::function_calls(&stmt);
                if !calls.is_empty() {
                    steps.push(Step::Calls(calls));
                }
            }
        }
        return false;
    }
    if kind == split::Kind::Opaque {
        let what = stmt.head.first().cloned().unwrap_or_default();
        let message = format!(
            "strata cannot see what this `{what}` does to the tables (a DO block, a procedure call or dynamic SQL may run any DDL); say it in the file: `-- strata:effect none` on the line before if it changes no table, or `/* strata:effect <the DDL it runs> */` (see docs/replay.md)"
        );
        steps.push(Step::Error(located(path, sql, line, column, message)));
        return true;
    }
    if kind == split::Kind::Unknown {
        let what = stmt.head.iter().take(3).cloned().collect::<Vec<_>>().join(" ");
        let message = format!(
            "strata cannot tell what `{what}` does to the schema; if you know, say it with a `strata:effect` comment before it (see docs/replay.md), or open an issue"
        );
        steps.push(Step::Error(located(path, sql, line, column, message)));
        return true;
    }
    let view = split::view_name(dialect, &stmt);
    let mut tokens = stmt.tokens;
    let guard = rewrite::rewrite(dialect, &mut tokens);
    if let rewrite::Guard::Constraint { table, name, span } = guard {
        steps.push(Step::ConstraintExists { table, name, span, line, column });
        return false;
    }
    let words: Vec<(String, sqlparser::tokenizer::Span)> = tokens
        .iter()
        .filter_map(|t| match &t.token {
            sqlparser::tokenizer::Token::Word(w) => Some((w.value.clone(), t.span)),
            _ => None,
        })
        .collect();
    match Parser::new(&*d)
        .with_recursion_limit(crate::par::NESTING)
        .with_tokens_with_locations(tokens)
        .parse_statement()
    {
        Ok(sqlparser::ast::Statement::CreateTable(c)) if kind == split::Kind::TempTable => {
            steps.push(Step::TempTable(apply::object_name(dialect, &c.name)));
        }
        Ok(_) if kind == split::Kind::TempTable => {}
        Ok(ast) => match apply::check_dropped_words(dialect, &ast, &words) {
            Ok(()) => steps.push(Step::Ddl { ast: Box::new(ast), line, column, guard }),
            Err((l, c, message)) => {
                steps.push(Step::Error(located(path, sql, l, c, message)));
                return true;
            }
        },
        Err(_) if view.is_some() => {
            if let Some((name, materialized)) = view {
                steps.push(Step::View(name, materialized));
            }
        }
        Err(e) => {
            let (l, c, message) = parser_error_location(&e.to_string(), line, column);
            let message = format!("cannot parse this statement as {}: {message}", dialect.title());
            steps.push(Step::Error(located(path, sql, l, c, message)));
            return true;
        }
    }
    false
}

fn apply_steps(
    dialect: Dialect,
    schema: &mut Schema,
    owners: &mut IndexOwners,
    path: &Path,
    sql: &str,
    steps: Vec<Step>,
) -> Result<(), ReplayError> {
    apply_steps_in(dialect, schema, owners, path, sql, steps, &mut Vec::new())
}

/// [`apply_steps`] with the temporary tables the file made so far (`temp_tables`), for a file
/// applied a statement at a time.
fn apply_steps_in(
    dialect: Dialect,
    schema: &mut Schema,
    owners: &mut IndexOwners,
    path: &Path,
    sql: &str,
    steps: Vec<Step>,
    temp_tables: &mut Vec<String>,
) -> Result<(), ReplayError> {
    for step in steps {
        match step {
            Step::Error(e) => return Err(e),
            Step::Said { steps, text, line } => {
                apply_steps(dialect, schema, owners, Path::new("strata.toml"), &text, steps).map_err(
                    |mut e| {
                        e.message = format!(
                            "in the `[[effect]]` strata.toml gives for line {line} of `{}`: {}",
                            path.display(),
                            e.message
                        );
                        e
                    },
                )?;
            }
            Step::ConstraintExists { table, name, span, line, column } => {
                let table = apply::object_name(
                    dialect,
                    &sqlparser::ast::ObjectName::from(vec![table.into_ident(span)]),
                );
                let name = apply::ident(dialect, &name.into_ident(span));
                let found = schema
                    .table(&table)
                    .is_some_and(|t| t.constraint_names().any(|n| n.eq_ignore_ascii_case(&name)));
                if !found {
                    let (l, c) = if span.start.line == 0 {
                        (line, column)
                    } else {
                        (span.start.line, span.start.column)
                    };
                    return Err(located(
                        path,
                        sql,
                        l,
                        c,
                        format!("`{table}` has no constraint named `{name}` at this point of the history"),
                    ));
                }
            }
            Step::TempTable(name) => temp_tables.push(name),
            Step::View(name, materialized) => {
                let view = crate::schema::View {
                    name: name.clone(),
                    materialized,
                    reads: Vec::new(),
                    indexes: Vec::new(),
                };
                schema.views.insert(name.to_ascii_lowercase(), view);
            }
            Step::Defines(name) => {
                schema.functions.insert(name);
            }
            Step::Calls(calls) => {
                if let Some((name, l, c)) = calls.iter().find(|(n, _, _)| schema.functions.contains(n)) {
                    let message = format!(
                        "this statement calls `{name}`, which the history defines: strata cannot see what it does to the tables (it may run DDL); say it in the file: `-- strata:effect none` on the line before if it changes no table, or `/* strata:effect <the DDL it runs> */` (see docs/replay.md)"
                    );
                    return Err(located(path, sql, *l, *c, message));
                }
            }
            Step::Ddl { ast, line, column, guard } => {
                if guard == rewrite::Guard::IfIndexExists
                    && let sqlparser::ast::Statement::AlterIndex { name, .. } = &*ast
                    && owners.owner(schema, &apply::object_name(dialect, name)).is_none()
                {
                    continue;
                }
                owners.before(dialect, schema, &ast);
                let mut cx = apply::Context { dialect, schema, owners, temp_tables: &*temp_tables };
                cx.apply(*ast).map_err(|(l, c, message)| {
                    let (l, c) = if l == 0 { (line, column) } else { (l, c) };
                    located(path, sql, l, c, message)
                })?;
                owners.after(schema);
            }
        }
    }
    Ok(())
}

/// sqlparser puts `at Line: L, Column: C` in its messages; lift it out.
fn parser_error_location(message: &str, line: u64, column: u64) -> (u64, u64, String) {
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
    (line, column, message.to_owned())
}

#[cfg(test)]
mod tests;
