//! Applying one parsed statement to the schema.

mod columns;
mod constraints;
mod tables;
mod views;

use sqlparser::ast::{
    AlterIndexOperation, Ident, ObjectName, ReferentialAction, Statement, UserDefinedTypeRepresentation,
};
use sqlparser::tokenizer::Span;

use crate::schema::{Action, Table};
use crate::{Dialect, Schema};

pub(crate) type Result<T> = std::result::Result<T, (u64, u64, String)>;

pub(crate) struct Context<'a> {
    pub dialect: Dialect,
    pub schema: &'a mut Schema,
    pub owners: &'a super::IndexOwners,
    pub temp_tables: &'a [String],
}

fn at(span: Span, message: impl Into<String>) -> (u64, u64, String) {
    (span.start.line, span.start.column, message.into())
}

fn nowhere(message: impl Into<String>) -> (u64, u64, String) {
    (0, 0, message.into())
}

/// An identifier as the database stores it: PostgreSQL folds unquoted names to lowercase.
pub(crate) fn ident(dialect: Dialect, i: &Ident) -> String {
    if dialect == Dialect::Postgres && i.quote_style.is_none() {
        i.value.to_ascii_lowercase()
    } else {
        i.value.clone()
    }
}

/// A table name; `public.` (PostgreSQL) and a database qualifier (MySQL) are dropped.
pub(crate) fn object_name(dialect: Dialect, name: &ObjectName) -> String {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p.as_ident() {
            Some(i) => ident(dialect, i),
            None => p.to_string(),
        })
        .collect();
    match (dialect, parts.as_slice()) {
        (Dialect::Postgres, [schema, table]) if schema == "public" => table.clone(),
        (Dialect::Postgres, _) => parts.join("."),
        (_, [.., table]) => table.clone(),
        _ => String::new(),
    }
}

fn name_span(name: &ObjectName) -> Span {
    name.0.last().and_then(|p| p.as_ident()).map_or(Span::empty(), |i| i.span)
}

fn action(a: &Option<ReferentialAction>) -> Action {
    match a {
        None | Some(ReferentialAction::NoAction) => Action::NoAction,
        Some(ReferentialAction::Restrict) => Action::Restrict,
        Some(ReferentialAction::Cascade) => Action::Cascade,
        Some(ReferentialAction::SetNull) => Action::SetNull,
        Some(ReferentialAction::SetDefault) => Action::SetDefault,
    }
}

/// PostgreSQL's `makeObjectName`: `table_cols_label`, each part cut to fit 63 bytes (on a
/// character boundary, as PostgreSQL cuts multibyte names).
pub(crate) fn pg_name(table: &str, cols: &str, label: &str) -> String {
    let overhead = usize::from(!cols.is_empty()) + label.len() + 1;
    let avail = 63usize.saturating_sub(overhead);
    let (mut n1, mut n2) = (table.len(), cols.len());
    while n1 + n2 > avail {
        if n1 > n2 { n1 -= 1 } else { n2 -= 1 }
    }
    let cut = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_owned()
    };
    let mut out = cut(table, n1);
    if !cols.is_empty() {
        out.push('_');
        out.push_str(&cut(cols, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// PostgreSQL's `ChooseRelationName`: [`pg_name`], and when that is taken, the label with a
/// number (`_idx1`, `_idx2`, ...).
pub(crate) fn pg_free_name(table: &str, cols: &str, label: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut name = pg_name(table, cols, label);
    let mut pass = 0;
    while taken(&name) {
        pass += 1;
        name = pg_name(table, cols, &format!("{label}{pass}"));
    }
    name
}

/// The part of an unnamed index's name PostgreSQL takes from one of its columns
/// (`FigureColname`): a column's name, a function's name, `case`, `coalesce`..., else `expr`.
pub(crate) fn pg_index_column_name(dialect: Dialect, e: &sqlparser::ast::Expr) -> String {
    use sqlparser::ast::Expr;
    fn figure(dialect: Dialect, e: &Expr) -> Option<String> {
        match e {
            Expr::Identifier(i) => Some(ident(dialect, i)),
            Expr::CompoundIdentifier(parts) => parts.last().map(|i| ident(dialect, i)),
            Expr::Nested(inner) => figure(dialect, inner),
            Expr::Cast { expr, .. } => figure(dialect, expr),
            Expr::Collate { expr, .. } => figure(dialect, expr),
            Expr::Function(f) => f.name.0.last().and_then(|p| p.as_ident()).map(|i| ident(dialect, i)),
            Expr::Case { .. } => Some("case".into()),
            Expr::Array(_) => Some("array".into()),
            Expr::Exists { .. } => Some("exists".into()),
            _ => None,
        }
    }
    figure(dialect, e).unwrap_or_else(|| "expr".into())
}

impl Context<'_> {
    pub fn apply(&mut self, stmt: Statement) -> Result<()> {
        match stmt {
            Statement::CreateTable(ct) => self.create_table(ct),
            Statement::CreateView(cv) => self.create_view(cv),
            Statement::AlterTable(at) => {
                let name = object_name(self.dialect, &at.name);
                if self.is_temp(&name) {
                    return Ok(());
                }
                if self.schema.table(&name).is_none() {
                    if at.if_exists {
                        return Ok(());
                    }
                    return Err(self.missing_table(&name, name_span(&at.name)));
                }
                for op in at.operations {
                    self.alter_table(&name, op)?;
                }
                Ok(())
            }
            Statement::CreateIndex(ci) => self.create_index(ci),
            Statement::Drop { object_type, if_exists, names, cascade, table, .. } => {
                for n in &names {
                    self.drop(object_type, if_exists, cascade, n, table.as_ref())?;
                }
                Ok(())
            }
            Statement::CreateType { name, representation } => {
                let n = object_name(self.dialect, &name);
                if self.schema.enums.contains_key(&n) || self.schema.composites.contains_key(&n) {
                    return Err(at(
                        name_span(&name),
                        format!("type `{n}` already exists at this point of the history"),
                    ));
                }
                match representation {
                    Some(UserDefinedTypeRepresentation::Enum { labels }) => {
                        let labels = labels.iter().map(|l| l.value.clone()).collect();
                        self.schema.enums.insert(n, labels);
                    }
                    Some(UserDefinedTypeRepresentation::Composite { attributes }) => {
                        let attributes = attributes
                            .iter()
                            .map(|a| (ident(self.dialect, &a.name), self.data_type(&a.data_type).0))
                            .collect();
                        self.schema.composites.insert(n, attributes);
                    }
                    _ => {}
                }
                Ok(())
            }
            Statement::AlterType(at) => self.alter_type(&at.name, at.operation),
            Statement::RenameTable(renames) => {
                for r in renames {
                    let from = object_name(self.dialect, &r.old_name);
                    let to = object_name(self.dialect, &r.new_name);
                    self.rename_table(&from, &to, name_span(&r.old_name))?;
                }
                Ok(())
            }
            Statement::AlterIndex { name, operation } => {
                let AlterIndexOperation::RenameIndex { index_name } = operation;
                let from = object_name(self.dialect, &name);
                let to = object_name(self.dialect, &index_name);
                self.rename_index(&from, &to, name_span(&name))
            }
            other => Err(nowhere(format!(
                "strata cannot replay `{}`",
                other.to_string().chars().take(60).collect::<String>()
            ))),
        }
    }

    fn is_temp(&self, name: &str) -> bool {
        self.temp_tables.iter().any(|t| t.eq_ignore_ascii_case(name))
    }

    fn missing_table(&self, name: &str, span: Span) -> (u64, u64, String) {
        at(span, format!("table `{name}` does not exist at this point of the history"))
    }

    /// Takes a table out of the schema to change it; it goes back with `insert_table`. On an
    /// error it stays out, which is fine: the replay stops at the first error.
    fn take(&mut self, name: &str) -> Result<Table> {
        self.schema
            .remove_table(name)
            .ok_or_else(|| nowhere(format!("table `{name}` does not exist at this point of the history")))
    }

    fn table(&mut self, name: &str) -> Result<&mut Table> {
        self.schema
            .table_mut(name)
            .ok_or_else(|| nowhere(format!("table `{name}` does not exist at this point of the history")))
    }
}

/// FNV-1a: the words of one statement are few and short, and hashing them is most of the
/// guard's work with the standard library's DoS-resistant hasher, which they do not need.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Words sqlparser may legitimately leave out when it renders a statement it understood.
const IGNORABLE_WORDS: &[&str] = &["COLUMN", "DATA"];

/// Words that, read as a column name outside MySQL, mean sqlparser misread MySQL syntax.
const MISREAD_COLUMN_NAMES: &[&str] =
    &["INDEX", "KEY", "UNIQUE", "PRIMARY", "FOREIGN", "CONSTRAINT", "FULLTEXT", "SPATIAL", "CHECK"];

/// sqlparser sometimes parses a statement and forgets part of it (`AUTOINCREMENT` outside
/// SQLite, for one). A word of the source that its rendering lacks is such a loss.
pub(crate) fn check_dropped_words(
    dialect: Dialect,
    stmt: &Statement,
    source: &[(String, Span)],
) -> Result<()> {
    let mut rendered = stmt.to_string();
    rendered.make_ascii_uppercase();
    // One pass over the rendering; the words borrow from it.
    let words: std::collections::HashSet<&str, std::hash::BuildHasherDefault<Fnv>> =
        rendered.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
    let mut up = String::new();
    for (word, span) in source {
        // A word can hold several when `split` joined an SQLite type name, and a quoted one
        // anything at all (`"1000-01-01 00:00:00"`): split it as the rendering is split.
        for part in word.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()) {
            up.clear();
            up.push_str(part);
            up.make_ascii_uppercase();
            if !words.contains(up.as_str()) && !IGNORABLE_WORDS.contains(&up.as_str()) {
                return Err(at(
                    *span,
                    format!(
                        "sqlparser reads this statement without `{part}` under the {} dialect, so replaying it would give a wrong schema",
                        dialect.title()
                    ),
                ));
            }
        }
    }
    Ok(())
}
