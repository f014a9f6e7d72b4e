//! The linter's side of the replay's walk: what it knows before each statement, and the
//! findings it keeps.

use std::collections::{BTreeMap, BTreeSet};

use sqlparser::ast::{
    AlterTableOperation, Ident, ObjectName, ObjectType, SetExpr, Statement, TableFactor, TableObject,
};
use sqlparser::tokenizer::Span;

use super::{ALLOW_RULE, Finding, Level, Options, RULES, Rule, Server, unknown_rule};
use crate::migrations::Migration;
use crate::replay::{Located, Walker};
use crate::schema::{Table, key};
use crate::{Dialect, Schema};

/// What a rule found: where (an empty span means the statement's start), what, and the safe
/// way when there is one.
pub(crate) struct Hit {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    /// The finding goes away if this table (a key), or this column of it, exists again later
    /// in the same file: renamed or dropped out of the way and made anew, which no other
    /// session sees.
    pub unless_back: Option<(String, Option<String>)>,
}

/// What a rule reads of a statement.
pub(crate) struct Cx<'a> {
    pub dialect: Dialect,
    pub server: Server,
    /// The schema just before the statement.
    pub schema: &'a Schema,
    pub ast: Option<&'a Statement>,
    /// The statement's first words, uppercased (for statements sqlparser does not read).
    pub head: &'a [String],
    /// Whether the statement runs inside a transaction: the migration's own, or a `BEGIN` in a
    /// `-- no-transaction` file.
    pub in_transaction: bool,
    /// Whether the file runs in the transaction strata opens for it.
    pub transactional_file: bool,
    pub state: &'a State,
}

/// What the statements before this one left behind that no schema holds.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Keys of the tables the batch created that hold no rows yet.
    pub new_tables: BTreeSet<String>,
    /// Keys of the tables the batch created, empty or not: no release that is running knows
    /// them.
    pub born: BTreeSet<String>,
    /// `(table key, column)`, lowercased, of the columns the batch added to older tables.
    pub born_columns: BTreeSet<(String, String)>,
    /// `(table key, constraint)` added `NOT VALID` and not validated since.
    pub not_valid: BTreeSet<(String, String)>,
    /// In the current transaction: enum values added, as `(type, value)`.
    pub enum_values: Vec<(String, String)>,
    /// In the current transaction: constraints added `NOT VALID`.
    pub not_valid_here: BTreeSet<(String, String)>,
    /// In the current transaction: keys of the tables whose DDL holds a lock on them.
    pub locked: BTreeSet<String>,
    /// In this file: the tables dropped, as they were (a SQLite rebuild renames a copy into
    /// their place).
    pub dropped: BTreeMap<String, Table>,
    /// In this file: the tables whose rows an `INSERT ... SELECT` copied out (keys).
    pub copied: BTreeSet<String>,
    /// In this file, outside a transaction: `PRAGMA foreign_keys = OFF` was run and not
    /// undone (SQLite ignores it inside one).
    pub foreign_keys_off: bool,
    /// In this file: `SET foreign_key_checks = 0` was run and not undone (MySQL).
    pub foreign_key_checks_off: bool,
}

impl Cx<'_> {
    pub fn name(&self, n: &ObjectName) -> String {
        crate::replay::object_name(self.dialect, n)
    }

    pub fn ident(&self, i: &Ident) -> String {
        crate::replay::ident(self.dialect, i)
    }

    /// Whether `table` exists and may hold rows: not created by the batch being linted (or
    /// filled since).
    pub fn has_rows(&self, table: &str) -> bool {
        self.schema.table(table).is_some() && !self.state.new_tables.contains(&key(table))
    }

    /// Whether `table` exists and a release that is running may use it: not created by the
    /// batch being linted.
    pub fn released(&self, table: &str) -> bool {
        self.schema.table(table).is_some() && !self.state.born.contains(&key(table))
    }

    /// Whether a release that is running may use `table.column`: the batch added neither.
    pub fn column_released(&self, table: &str, column: &str) -> bool {
        self.released(table) && !self.state.born_columns.contains(&(key(table), column.to_ascii_lowercase()))
    }

    pub fn hit(&self, out: &mut Vec<Hit>, span: Span, message: String, help: Option<String>) {
        out.push(Hit { span, message, help, unless_back: None });
    }

    /// Whether the statement's first words are `words`.
    pub fn starts(&self, words: &[&str]) -> bool {
        self.head.len() >= words.len() && self.head.iter().zip(words).all(|(a, b)| a == b)
    }
}

/// The span of an object name's last part.
pub(crate) fn span_of(name: &ObjectName) -> Span {
    name.0.last().and_then(|p| p.as_ident()).map_or(Span::empty(), |i| i.span)
}

/// The walker that runs the rules.
pub(crate) struct Linter<'o> {
    dialect: Dialect,
    options: &'o Options,
    rules: Vec<(&'static Rule, Level)>,
    state: State,
    linted: bool,
    transactional_file: bool,
    /// A `BEGIN` in a `-- no-transaction` file, not yet ended.
    explicit: bool,
    /// Tables the last statement creates (if they are new) and renames, entered after it.
    created: Vec<String>,
    born_now: Vec<String>,
    born_columns_now: Vec<(String, String)>,
    renamed: Vec<(String, String)>,
    findings: Vec<Finding>,
    /// Findings of this file that go away if a table comes back: (index, table key).
    unless_back: Vec<(usize, (String, Option<String>))>,
    /// Findings whose table or column came back: left out at the end.
    voided: BTreeSet<usize>,
}

impl<'o> Linter<'o> {
    pub fn new(dialect: Dialect, options: &'o Options) -> Self {
        let rules = RULES
            .iter()
            .copied()
            .filter(|r| r.dialects.contains(&dialect))
            .map(|r| (r, options.level(r)))
            .filter(|(_, l)| *l != Level::Off)
            .collect();
        Linter {
            dialect,
            options,
            rules,
            state: State::default(),
            linted: false,
            transactional_file: true,
            explicit: false,
            created: Vec::new(),
            born_now: Vec::new(),
            born_columns_now: Vec::new(),
            renamed: Vec::new(),
            findings: Vec::new(),
            unless_back: Vec::new(),
            voided: BTreeSet::new(),
        }
    }

    pub fn into_findings(self) -> Vec<Finding> {
        let voided = self.voided;
        self.findings.into_iter().enumerate().filter(|(i, _)| !voided.contains(i)).map(|(_, f)| f).collect()
    }

    fn find(&mut self, m: &Migration, rule: &'static str, level: Level, at: (u64, u64), hit: Hit) {
        let (line, column) =
            if hit.span.start.line == 0 { at } else { (hit.span.start.line, hit.span.start.column) };
        if let Some(k) = hit.unless_back {
            self.unless_back.push((self.findings.len(), k));
        }
        self.findings.push(Finding {
            rule,
            level,
            path: m.up.path.clone(),
            version: m.version_number,
            line,
            column,
            message: hit.message,
            help: hit.help,
            source_line: m.up.sql.lines().nth(line.saturating_sub(1) as usize).unwrap_or("").to_owned(),
        });
    }

    fn run_rules(&mut self, m: &Migration, s: &Located, schema: &Schema) {
        let cx = Cx {
            dialect: self.dialect,
            server: self.options.server,
            schema,
            ast: s.ast(),
            head: &s.head,
            in_transaction: self.transactional_file || self.explicit,
            transactional_file: self.transactional_file,
            state: &self.state,
        };
        let mut found: Vec<(&'static Rule, Level, Hit)> = Vec::new();
        for (rule, level) in &self.rules {
            let mut hits = Vec::new();
            (rule.check)(&cx, &mut hits);
            found.extend(hits.into_iter().map(|h| (*rule, *level, h)));
        }
        let mut used = vec![false; s.allows.len()];
        for (rule, level, hit) in found {
            match s.allows.iter().position(|a| a.rules.iter().any(|r| r == rule.id)) {
                Some(i) => used[i] = true,
                None => self.find(m, rule.id, level, (s.line, s.column), hit),
            }
        }
        let meta = |default: Level| self.options.levels.get(ALLOW_RULE).copied().unwrap_or(default);
        for (allow, used) in s.allows.iter().zip(used) {
            let at = (allow.line, allow.column);
            let say = |message: String| Hit { span: Span::empty(), message, help: None, unless_back: None };
            let problem = if allow.rules.is_empty() {
                Some((
                    Level::Error,
                    say("this `strata:allow` names no rule: `-- strata:allow <rule>: <why>`".into()),
                ))
            } else if let Some(id) = allow.rules.iter().find(|r| super::rule(r).is_none()) {
                Some((Level::Error, say(unknown_rule(id))))
            } else if allow.reason.is_empty() {
                Some((
                    Level::Error,
                    say(format!(
                        "this `strata:allow` gives no reason: `-- strata:allow {}: <why it is safe here>`",
                        allow.rules.join(", ")
                    )),
                ))
            } else if !used {
                Some((
                    Level::Warn,
                    say(format!(
                        "this `strata:allow` lets nothing pass: `{}` finds nothing in this statement (remove the comment)",
                        allow.rules.join("`, `")
                    )),
                ))
            } else {
                None
            };
            if let Some((default, hit)) = problem {
                let level = meta(default);
                if level != Level::Off {
                    self.find(m, ALLOW_RULE, level, at, hit);
                }
            }
        }
    }

    /// What the statement leaves behind, read before it is applied.
    fn remember(&mut self, s: &Located, schema: &Schema) {
        let in_transaction = self.transactional_file || self.explicit;
        // sqlparser does not read `PRAGMA foreign_keys = OFF`; its words say it.
        if self.dialect == Dialect::Sqlite && !in_transaction && is_foreign_keys_pragma(&s.head) {
            let value = s.head.get(2).cloned().or_else(|| match s.ast() {
                Some(Statement::Pragma { value: Some(v), .. }) => Some(v.to_string()),
                _ => None,
            });
            if let Some(v) = value {
                self.state.foreign_keys_off = matches!(
                    v.trim_matches('\'').to_ascii_lowercase().as_str(),
                    "0" | "off" | "false" | "no"
                );
            }
        }
        let Some(ast) = s.ast() else { return };
        let name = |n: &ObjectName| crate::replay::object_name(self.dialect, n);
        match ast {
            Statement::StartTransaction { .. } => {
                self.explicit = !self.transactional_file;
                self.end_transaction();
            }
            Statement::Commit { .. } | Statement::Rollback { .. } => {
                self.explicit = false;
                self.end_transaction();
            }
            Statement::CreateTable(c) if self.linted => {
                let k = key(&name(&c.name));
                // A table made from a query holds its rows from the start.
                if c.query.is_none() {
                    self.created.push(k.clone());
                }
                self.born_now.push(k);
            }
            Statement::CreateIndex(c) if in_transaction && !c.concurrently => {
                self.state.locked.insert(key(&name(&c.table_name)));
            }
            Statement::AlterTable(at) => {
                let table = key(&name(&at.name));
                for op in &at.operations {
                    let col = |i: &Ident| crate::replay::ident(self.dialect, i).to_ascii_lowercase();
                    match op {
                        AlterTableOperation::AddColumn { column_def, .. } if self.linted => {
                            self.born_columns_now.push((table.clone(), col(&column_def.name)));
                        }
                        // A column the batch added keeps that under its new name.
                        AlterTableOperation::RenameColumn { old_column_name, new_column_name }
                            if self.state.born_columns.remove(&(table.clone(), col(old_column_name))) =>
                        {
                            self.born_columns_now.push((table.clone(), col(new_column_name)));
                        }
                        AlterTableOperation::AddConstraint { constraint, not_valid: true } => {
                            if let Some(c) = constraint_name(self.dialect, constraint) {
                                self.state.not_valid.insert((table.clone(), c.clone()));
                                self.state.not_valid_here.insert((table.clone(), c));
                            }
                        }
                        AlterTableOperation::ValidateConstraint { name } => {
                            let c = crate::replay::ident(self.dialect, name).to_ascii_lowercase();
                            self.state.not_valid.remove(&(table.clone(), c));
                        }
                        _ => {}
                    }
                }
                if in_transaction {
                    self.state.locked.insert(table);
                }
            }
            Statement::AlterType(at) => {
                if let sqlparser::ast::AlterTypeOperation::AddValue(v) = &at.operation {
                    self.state.enum_values.push((name(&at.name), v.value.value.clone()));
                }
            }
            Statement::Insert(i) => {
                // Rows copied in from a query fill the table; a few literal rows do not.
                if let Some(q) = &i.source
                    && let SetExpr::Select(select) = &*q.body
                {
                    if let TableObject::TableName(n) = &i.table {
                        self.state.new_tables.remove(&key(&name(n)));
                    }
                    for t in &select.from {
                        if let TableFactor::Table { name: n, .. } = &t.relation {
                            self.state.copied.insert(key(&name(n)));
                        }
                    }
                }
            }
            Statement::Drop { object_type: ObjectType::Table, names, .. } => {
                for n in names {
                    let k = key(&name(n));
                    let was_new = self.state.new_tables.remove(&k);
                    self.state.born.remove(&k);
                    if let Some(t) = schema.table(&k).filter(|_| !was_new) {
                        self.state.dropped.insert(k, t.clone());
                    }
                }
            }
            Statement::Set(_) if self.dialect == Dialect::Mysql => {
                let text = ast.to_string().to_ascii_lowercase().replace(' ', "");
                if let Some(v) = text.split("foreign_key_checks=").nth(1) {
                    self.state.foreign_key_checks_off = matches!(v.trim_matches('\''), "0" | "off" | "false");
                }
            }
            _ => {}
        }
        self.renamed = crate::replay::renames(self.dialect, ast);
    }

    fn end_transaction(&mut self) {
        self.state.enum_values.clear();
        self.state.not_valid_here.clear();
        self.state.locked.clear();
    }
}

/// Whether a statement's first words are `PRAGMA foreign_keys`.
pub(crate) fn is_foreign_keys_pragma(head: &[String]) -> bool {
    head.first().is_some_and(|w| w == "PRAGMA") && head.get(1).is_some_and(|w| w == "FOREIGN_KEYS")
}

/// The name a constraint is added under, lowercased, when the statement gives it.
fn constraint_name(dialect: Dialect, c: &sqlparser::ast::TableConstraint) -> Option<String> {
    use sqlparser::ast::TableConstraint as T;
    let n = match c {
        T::ForeignKey(f) => f.name.as_ref(),
        T::Check(c) => c.name.as_ref(),
        T::Unique(u) => u.name.as_ref(),
        T::PrimaryKey(p) => p.name.as_ref(),
        _ => None,
    };
    n.map(|n| crate::replay::ident(dialect, n).to_ascii_lowercase())
}

impl Walker for Linter<'_> {
    fn file(&mut self, m: &Migration) {
        self.linted = self.options.only.as_ref().is_none_or(|only| only.contains(&m.version_number));
        if self.options.only.is_none() {
            self.state.new_tables.clear();
            self.state.born.clear();
            self.state.born_columns.clear();
        }
        self.unless_back.clear();
        self.transactional_file = !m.no_transaction;
        self.explicit = false;
        self.end_transaction();
        self.state.dropped.clear();
        self.state.copied.clear();
        self.state.foreign_keys_off = false;
        self.state.foreign_key_checks_off = false;
    }

    fn before(&mut self, m: &Migration, s: &Located, schema: &Schema) {
        if self.linted {
            self.run_rules(m, s, schema);
        }
        self.remember(s, schema);
    }

    fn after(&mut self, _m: &Migration, schema: &Schema) {
        for k in std::mem::take(&mut self.created) {
            if schema.tables.contains_key(&k) {
                self.state.new_tables.insert(k.clone());
            }
        }
        for k in std::mem::take(&mut self.born_now) {
            if schema.tables.contains_key(&k) {
                self.state.born.insert(k);
            }
        }
        for (t, c) in std::mem::take(&mut self.born_columns_now) {
            if schema.tables.get(&t).is_some_and(|table| table.column(&c).is_some()) {
                self.state.born_columns.insert((t, c));
            }
        }
        for (from, to) in std::mem::take(&mut self.renamed) {
            if self.state.new_tables.remove(&from) {
                self.state.new_tables.insert(to.clone());
            }
            if self.state.born.remove(&from) {
                self.state.born.insert(to);
            }
        }
        // A finding about a table or column that is back under its name is left out.
        self.unless_back.retain(|(i, (t, column))| {
            let back = match column {
                None => schema.tables.contains_key(t),
                Some(c) => schema.tables.get(t).is_some_and(|t| t.column(c).is_some()),
            };
            if back {
                self.voided.insert(*i);
            }
            !back
        });
    }
}
