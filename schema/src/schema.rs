//! The in-memory schema: what the replay builds, what introspection reads, what models describe.
//!
//! Every name and type in here is already normalised for its dialect (see [`crate::types`] and
//! [`crate::expr`]), so two schemas that a database would consider the same compare equal.

use std::collections::BTreeMap;
use std::fmt;

/// A whole database schema: its tables and, on PostgreSQL, its enum types.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Schema {
    /// Keyed by the lowercased table name.
    pub tables: BTreeMap<String, Table>,
    /// PostgreSQL enum types, keyed by lowercased name, with their labels in order.
    pub enums: BTreeMap<String, Vec<String>>,
    /// PostgreSQL composite types (`CREATE TYPE t AS (...)`), keyed by lowercased name, with
    /// their attributes' names and canonical types in order.
    pub composites: BTreeMap<String, Vec<(String, String)>>,
    /// Functions and procedures the history defines (lowercased names): a statement that
    /// calls one may run DDL strata cannot see. The replay's alone; never compared.
    pub functions: std::collections::BTreeSet<String>,
    /// Views and materialized views, keyed by lowercased name. The replay's alone for now:
    /// what they read makes the databases refuse changes to it (see docs/replay.md).
    pub views: BTreeMap<String, View>,
}

/// A view or materialized view: a name beside the tables', the columns its query reads, and,
/// materialized, its indexes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct View {
    pub name: String,
    pub materialized: bool,
    /// `(table, column)` for each column the query reads, as far as strata could tell which
    /// table it belongs to; `(table, "*")` for a table read whole.
    pub reads: Vec<(String, String)>,
    pub indexes: Vec<Index>,
}

impl View {
    /// Whether the view reads `table`'s column `column` (any column when `None`).
    pub fn reads(&self, table: &str, column: Option<&str>) -> bool {
        self.reads.iter().any(|(t, c)| {
            t.eq_ignore_ascii_case(table) && column.is_none_or(|col| c == "*" || c.eq_ignore_ascii_case(col))
        })
    }
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(&key(name))
    }

    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.get_mut(&key(name))
    }

    pub fn insert_table(&mut self, table: Table) {
        self.tables.insert(key(&table.name), table);
    }

    pub fn remove_table(&mut self, name: &str) -> Option<Table> {
        self.tables.remove(&key(name))
    }

    /// Finds the table (or materialized view) that owns the index `name`.
    pub fn table_of_index(&self, name: &str) -> Option<&str> {
        self.tables
            .values()
            .find_map(|t| {
                let found = t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(name))
                    || t.uniques
                        .iter()
                        .any(|u| u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)));
                found.then_some(t.name.as_str())
            })
            .or_else(|| {
                self.views
                    .values()
                    .find(|v| v.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(name)))
                    .map(|v| v.name.as_str())
            })
    }

    /// What points at the table `from` (foreign keys, what views read) points at `to`: every
    /// database here follows a renamed table.
    pub fn retarget_table(&mut self, from: &str, to: &str) {
        for t in self.tables.values_mut() {
            for f in t.foreign_keys.iter_mut().filter(|f| f.ref_table.eq_ignore_ascii_case(from)) {
                f.ref_table = to.to_owned();
            }
        }
        for v in self.views.values_mut() {
            for (t, _) in v.reads.iter_mut().filter(|(t, _)| t.eq_ignore_ascii_case(from)) {
                *t = to.to_owned();
            }
        }
    }

    /// What points at `table`'s column `from` points at `to`: a renamed column.
    pub fn retarget_column(&mut self, table: &str, from: &str, to: &str) {
        let all: Vec<String> = self.tables.keys().cloned().collect();
        self.retarget_column_among(&all, table, from, to);
    }

    /// [`Schema::retarget_column`] when only the tables keyed `among` may have foreign keys
    /// to `table` (the replay knows which).
    pub fn retarget_column_among(&mut self, among: &[String], table: &str, from: &str, to: &str) {
        for k in among {
            let Some(t) = self.tables.get_mut(k) else { continue };
            for f in t.foreign_keys.iter_mut().filter(|f| f.ref_table.eq_ignore_ascii_case(table)) {
                for c in f.ref_columns.iter_mut().filter(|c| c.eq_ignore_ascii_case(from)) {
                    *c = to.to_owned();
                }
            }
        }
        for v in self.views.values_mut() {
            for (t, c) in v.reads.iter_mut() {
                if t.eq_ignore_ascii_case(table) && c.eq_ignore_ascii_case(from) {
                    *c = to.to_owned();
                }
            }
        }
    }

    /// The views that read `table` (its column `column`, when given).
    pub fn views_reading(&self, table: &str, column: Option<&str>) -> Vec<String> {
        self.views.values().filter(|v| v.reads(table, column)).map(|v| v.name.clone()).collect()
    }
}

pub(crate) fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// One table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints, and unique indexes over plain columns (the databases treat both alike).
    pub uniques: Vec<Unique>,
    /// Non-unique indexes, and unique ones that are partial or over expressions.
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
}

impl Table {
    pub fn new(name: impl Into<String>) -> Self {
        Table { name: name.into(), ..Table::default() }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Renames a column everywhere the table mentions it.
    pub fn rename_column(&mut self, from: &str, to: &str) {
        if let Some(c) = self.column_mut(from) {
            c.name = to.to_owned();
        }
        let rename = |cols: &mut Vec<String>| {
            for c in cols.iter_mut() {
                if c.eq_ignore_ascii_case(from) {
                    *c = to.to_owned();
                }
            }
        };
        if let Some(pk) = &mut self.primary_key {
            rename(&mut pk.columns);
        }
        self.uniques.iter_mut().for_each(|u| rename(&mut u.columns));
        for f in &mut self.foreign_keys {
            rename(&mut f.columns);
            if f.column.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(from)) {
                f.column = Some(to.to_owned());
            }
        }
        for i in &mut self.indexes {
            if i.expression {
                for e in &mut i.columns {
                    *e = crate::expr::rename_identifier(e, from, to);
                }
            } else {
                rename(&mut i.columns);
            }
            if let Some(p) = &mut i.predicate {
                *p = crate::expr::rename_identifier(p, from, to);
            }
        }
        for c in &mut self.checks {
            c.expr = crate::expr::rename_identifier(&c.expr, from, to);
            if c.column.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(from)) {
                c.column = Some(to.to_owned());
            }
        }
    }

    /// Drops a column and every constraint or index that mentions it, as PostgreSQL does: keys,
    /// indexes (over it, over an expression of it, or with it in their `WHERE`) and checks.
    pub fn drop_column(&mut self, name: &str) {
        self.columns.retain(|c| !c.name.eq_ignore_ascii_case(name));
        let mentions = |cols: &[String]| cols.iter().any(|c| c.eq_ignore_ascii_case(name));
        if self.primary_key.as_ref().is_some_and(|pk| mentions(&pk.columns)) {
            self.primary_key = None;
        }
        self.uniques.retain(|u| !mentions(&u.columns));
        self.indexes.retain(|i| !i.mentions(name));
        self.foreign_keys.retain(|f| !mentions(&f.columns));
        self.checks.retain(|c| !crate::expr::mentions(&c.expr, name));
    }

    /// MySQL renames the foreign keys it named after a table (`<table>_ibfk_<n>`) when the
    /// table is renamed to `to`.
    pub fn rename_mysql_key_names(&mut self, to: &str) {
        let prefix = format!("{}_ibfk_", self.name);
        for f in &mut self.foreign_keys {
            if let Some(n) = f.name.as_deref().and_then(|n| n.strip_prefix(&prefix))
                && n.parse::<u32>().is_ok()
            {
                f.name = Some(format!("{to}_ibfk_{n}"));
            }
        }
    }

    /// The names the table's constraints hold (its indexes' aside).
    pub fn constraint_names(&self) -> impl Iterator<Item = &str> {
        let pk = self.primary_key.as_ref().and_then(|p| p.name.as_deref());
        pk.into_iter()
            .chain(self.uniques.iter().filter_map(|u| u.name.as_deref()))
            .chain(self.foreign_keys.iter().filter_map(|f| f.name.as_deref()))
            .chain(self.checks.iter().filter_map(|c| c.name.as_deref()))
    }

    pub fn is_primary_key_column(&self, name: &str) -> bool {
        self.primary_key.as_ref().is_some_and(|pk| pk.columns.iter().any(|c| c.eq_ignore_ascii_case(name)))
    }
}

/// One column. `ty` is the dialect's canonical spelling (see [`crate::types::canonical`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: String,
    pub ty: String,
    pub nullable: bool,
    /// The default as a normalised SQL expression.
    pub default: Option<String>,
    /// Values are assigned by the database: `AUTO_INCREMENT`, `SERIAL`/identity, or SQLite's
    /// `INTEGER PRIMARY KEY` rowid alias.
    pub auto_increment: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrimaryKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unique {
    /// The constraint's or index's name, when the SQL gave one.
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Eq, serde::Serialize, serde::Deserialize)]
pub struct Index {
    pub name: String,
    /// Column names, or normalised expressions when `expression` is set.
    pub columns: Vec<String>,
    pub unique: bool,
    /// An index over expressions rather than plain columns.
    pub expression: bool,
    /// The `WHERE` of a partial index, normalised.
    pub predicate: Option<String>,
    /// MySQL made this index itself for a foreign key, and drops it as soon as another index
    /// can serve the key. Only the replay knows it (a catalog does not say), so two indexes
    /// that differ in this alone are equal.
    pub generated: bool,
}

impl Index {
    /// Whether the index uses the column: as a column, inside an expression, or in its `WHERE`.
    pub fn mentions(&self, column: &str) -> bool {
        let in_expr = |e: &str| crate::expr::mentions(e, column);
        self.columns.iter().any(|c| if self.expression { in_expr(c) } else { c.eq_ignore_ascii_case(column) })
            || self.predicate.as_deref().is_some_and(in_expr)
    }
}

impl PartialEq for Index {
    fn eq(&self, other: &Index) -> bool {
        self.name == other.name
            && self.columns == other.columns
            && self.unique == other.unique
            && self.expression == other.expression
            && self.predicate == other.predicate
    }
}

#[derive(Debug, Clone, Eq, serde::Serialize, serde::Deserialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: Action,
    pub on_update: Action,
    /// The column whose definition carries the key (`b INTEGER REFERENCES p (id)`), which
    /// SQLite lets go with the column (a table's `FOREIGN KEY (b)` it refuses to lose). Catalogs
    /// do not say, so two keys that differ in this alone are equal.
    #[serde(default)]
    pub column: Option<String>,
}

impl PartialEq for ForeignKey {
    fn eq(&self, other: &ForeignKey) -> bool {
        self.name == other.name
            && self.columns == other.columns
            && self.ref_table == other.ref_table
            && self.ref_columns == other.ref_columns
            && self.on_delete == other.on_delete
            && self.on_update == other.on_update
    }
}

#[derive(Debug, Clone, Eq, serde::Serialize, serde::Deserialize)]
pub struct Check {
    pub name: Option<String>,
    /// The normalised boolean expression.
    pub expr: String,
    /// The column whose definition carries the check (`a INT CHECK (a > 0)`), which SQLite
    /// lets go with the column. Catalogs do not all say, so two checks that differ in this
    /// alone are equal.
    pub column: Option<String>,
}

impl PartialEq for Check {
    fn eq(&self, other: &Check) -> bool {
        self.name == other.name && self.expr == other.expr
    }
}

/// A referential action of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub enum Action {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl Action {
    pub fn sql(self) -> &'static str {
        match self {
            Action::NoAction => "NO ACTION",
            Action::Restrict => "RESTRICT",
            Action::Cascade => "CASCADE",
            Action::SetNull => "SET NULL",
            Action::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses the spelling used in `on_delete = "..."` and in introspection results.
    pub fn parse(s: &str) -> Option<Action> {
        let norm: String = s
            .trim()
            .chars()
            .map(|c| if c == '_' || c == '-' { ' ' } else { c.to_ascii_lowercase() })
            .collect();
        match norm.split_whitespace().collect::<Vec<_>>().join(" ").as_str() {
            "no action" | "a" => Some(Action::NoAction),
            "restrict" | "r" => Some(Action::Restrict),
            "cascade" | "c" => Some(Action::Cascade),
            "set null" | "n" => Some(Action::SetNull),
            "set default" | "d" => Some(Action::SetDefault),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql())
    }
}

impl Schema {
    /// A copy with each table's columns in name order: for comparing schemas where a column
    /// dropped and added again lands at the end, as it does in PostgreSQL and SQLite.
    pub fn with_columns_by_name(&self) -> Schema {
        let mut s = self.clone();
        for t in s.tables.values_mut() {
            t.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        s
    }

    /// Brings a schema to the form in which equal databases compare equal, whatever produced
    /// it (replay, introspection or models): constraint order, and each dialect's implied facts.
    pub fn normalize(&mut self, dialect: crate::Dialect) {
        for t in self.tables.values_mut() {
            t.normalize(dialect);
        }
    }
}

impl Table {
    pub fn normalize(&mut self, dialect: crate::Dialect) {
        use crate::Dialect;
        let pk_columns: Vec<String> =
            self.primary_key.as_ref().map(|p| p.columns.clone()).unwrap_or_default();
        match dialect {
            Dialect::Sqlite => {
                // `INTEGER PRIMARY KEY` makes the column the rowid: never null, assigned when
                // omitted, with or without AUTOINCREMENT.
                if let [pk] = pk_columns.as_slice()
                    && let Some(c) = self.column_mut(pk)
                    && c.ty == "integer"
                {
                    c.auto_increment = true;
                    c.nullable = false;
                }
                // SQLite makes no index for a UNIQUE constraint that an identical one (or the
                // primary key) already provides; and one a named unique index on the same
                // columns repeats says nothing more, in whichever order the two are listed
                // (the catalog lists the newest index first).
                let pk = lower(&pk_columns);
                let named: Vec<Vec<String>> =
                    self.uniques.iter().filter(|u| u.name.is_some()).map(|u| lower(&u.columns)).collect();
                let mut seen: Vec<Vec<String>> = Vec::new();
                self.uniques.retain(|u| {
                    let cols = lower(&u.columns);
                    let keep =
                        u.name.is_some() || (cols != pk && !seen.contains(&cols) && !named.contains(&cols));
                    seen.push(cols);
                    keep
                });
            }
            Dialect::Postgres | Dialect::Mysql => {
                if dialect == Dialect::Postgres {
                    // A boolean default may be written as any of PostgreSQL's boolean literals;
                    // the catalog says `true` or `false`.
                    for c in self.columns.iter_mut().filter(|c| c.ty == "boolean") {
                        let literal = c.default.as_deref().map(|d| d.trim_matches('\'').to_ascii_lowercase());
                        match literal.as_deref() {
                            Some("t" | "true" | "y" | "yes" | "on" | "1") => c.default = Some("true".into()),
                            Some("f" | "false" | "n" | "no" | "off" | "0") => {
                                c.default = Some("false".into())
                            }
                            _ => {}
                        }
                    }
                    // A date, timestamp or interval default is stored as a value.
                    for c in &mut self.columns {
                        if let Some(v) =
                            c.default.as_deref().and_then(|v| crate::expr::pg_typed_default(&c.ty, v))
                        {
                            c.default = Some(v);
                        }
                    }
                    // `DEFAULT nextval(...)` is what SERIAL expands to.
                    for c in &mut self.columns {
                        if c.default.as_deref().is_some_and(|d| d.starts_with("nextval(")) {
                            c.default = None;
                            c.auto_increment = true;
                        }
                    }
                }
                for pk in &pk_columns {
                    if let Some(c) = self.column_mut(pk) {
                        c.nullable = false;
                    }
                }
            }
        }
        if dialect == Dialect::Mysql {
            for f in &mut self.foreign_keys {
                for a in [&mut f.on_delete, &mut f.on_update] {
                    if *a == Action::NoAction {
                        *a = Action::Restrict;
                    }
                }
            }
        }
        self.uniques.sort_by(|a, b| (&a.columns, &a.name).cmp(&(&b.columns, &b.name)));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys
            .sort_by(|a, b| (&a.columns, &a.ref_table, &a.name).cmp(&(&b.columns, &b.ref_table, &b.name)));
        self.checks.sort_by(|a, b| (&a.expr, &a.name).cmp(&(&b.expr, &b.name)));
    }
}

fn lower(cols: &[String]) -> Vec<String> {
    cols.iter().map(|c| c.to_ascii_lowercase()).collect()
}
