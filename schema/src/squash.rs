//! Squashing: one migration that builds the schema a history reaches at a version, rendered from
//! the replay, in the place of the migrations up to it.
//!
//! Each statement of the squashed migrations is read with the schema before and after it. One
//! that changes the tables or enum types is what the rendered SQL stands for. One that changes
//! nothing on a new, empty database (a transaction's `BEGIN`, a `SET`, an `UPDATE` or a copy
//! between tables while no rows were ever inserted, a temporary table) is left out, and said.
//! Anything else does something the schema does not show (rows inserted, functions, triggers,
//! views, grants, comments): the squash is refused, naming each at its file and line, unless it
//! is told to carry them (run after the tables, in their order) or to leave them out.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::migrations::{Migration, Replaced};
use crate::plan::{self, Enums, PlanError, Target};
use crate::replay::{Located, Step, Walker};
use crate::schema::Table;
use crate::{Dialect, MigrationSet, ReplayError, Schema};

/// What to do with the statements whose effect the schema does not show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// Refuse the squash, naming them.
    #[default]
    Refuse,
    /// Run them in the squash, after the tables (extensions, schemas, sequences and types
    /// before), in their order.
    Carry,
    /// Leave them out of the squash.
    LeaveOut,
}

/// A statement of a squashed migration, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub line: u64,
    /// Its first words (`INSERT INTO roles`, `CREATE TRIGGER`).
    pub what: String,
    /// The statement's text, without its semicolon.
    pub text: String,
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.what)
    }
}

/// The squash of a history up to a version.
#[derive(Debug, Clone)]
pub struct Squashed {
    /// The up SQL, its header recording what it replaces.
    pub up: String,
    pub down: String,
    /// The migrations it replaces, oldest first.
    pub replaces: Vec<Replaced>,
    /// The statements it carries (with [`Keep::Carry`]) or leaves out (with [`Keep::LeaveOut`])
    /// whose effect the schema does not show.
    pub unseen: Vec<Found>,
    /// The statements left out because they change nothing on an empty database.
    pub idle: Vec<Found>,
    /// What the down leaves in place of what carried statements made (sequences, extensions,
    /// schemas, domains, grants), in words.
    pub left_in_place: Vec<String>,
    /// The tables it creates.
    pub tables: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SquashError {
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(
        "{} statement{} of the squashed migrations do{} something the schema does not show, which a squash rendered from the schema would not do on a new database:\n{}",
        .0.len(),
        if .0.len() == 1 { "" } else { "s" },
        if .0.len() == 1 { "es" } else { "" },
        .0.iter().map(|f| format!("  {f}")).collect::<Vec<_>>().join("\n")
    )]
    Unseen(Vec<Found>),
    #[error(
        "{} statement{} of the squashed migrations insert{} rows into a table the schema no longer has at that version (renamed or dropped later), so a squash cannot carry {}:\n{}",
        .0.len(),
        if .0.len() == 1 { "" } else { "s" },
        if .0.len() == 1 { "s" } else { "" },
        if .0.len() == 1 { "it" } else { "them" },
        .0.iter().map(|f| format!("  {f}")).collect::<Vec<_>>().join("\n")
    )]
    Stranded(Vec<Found>),
    #[error(
        "strata cannot write a squash that builds exactly what the migrations build; it would differ (please report it, with the migrations):\n{0}"
    )]
    Differs(String),
}

/// What a statement of the squashed migrations is to the squash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Changes the tables or enum types: the rendered SQL stands for it.
    Schema,
    /// Changes nothing on an empty database.
    Idle,
    /// Does something the schema does not show; run first when carried (what tables may need:
    /// extensions, schemas, sequences, types).
    UnseenFirst,
    Unseen,
}

/// Reads every statement of the squashed migrations with the schema around it.
struct Sorter {
    dialect: Dialect,
    /// The schema before the statement being applied (its tables and enum types, and what
    /// else the replay holds), and the statement.
    before: Option<(BTreeMap<String, Table>, Enums, Others, Pending)>,
    /// Whether a row was inserted so far: from then on an `UPDATE` may change one.
    seeded: bool,
    out: Vec<Sorted>,
    /// Every table the history made so far.
    made: std::collections::HashSet<String>,
}

/// What the replay holds beside tables and enum types: views, functions, composite types.
type Others = (
    BTreeMap<String, crate::View>,
    std::collections::BTreeSet<String>,
    BTreeMap<String, Vec<(String, String)>>,
);

fn others(schema: &Schema) -> Others {
    (schema.views.clone(), schema.functions.clone(), schema.composites.clone())
}

/// A statement of the squashed migrations, sorted.
struct Sorted {
    class: Class,
    found: Found,
    /// It runs code strata cannot see into: carried, it takes the `strata:effect none` the
    /// history gave it.
    opaque: bool,
    /// The tables a statement on rows reads or writes, and the columns it names (lowercased).
    tables: Vec<String>,
    columns: Vec<String>,
    /// The view it creates or changes (`true`) or drops (`false`).
    view: Option<(String, bool)>,
    /// It inserts rows of its own.
    seed: bool,
}

struct Pending {
    found: Found,
    /// The replay applies it (DDL, or what an effect says).
    ddl: bool,
    /// A temporary table.
    temp: bool,
    /// It calls functions the history defines.
    calls: bool,
    /// It inserts rows of its own (`VALUES`, a `SELECT` without `FROM`, `COPY`).
    inserts: Option<bool>,
    /// It says `IF EXISTS` or `IF NOT EXISTS`.
    conditional: bool,
    /// The tables it reads or writes rows of, and the columns it names.
    tables: Vec<String>,
    columns: Vec<String>,
}

impl Walker for Sorter {
    fn file(&mut self, _: &Migration) {}

    fn before(&mut self, m: &Migration, statement: &Located, schema: &Schema) {
        let sql = &m.up.sql;
        let text = statement_text(self.dialect, sql, statement.line, statement.column);
        // A `-- strata:rust` line is named as it is written.
        let what =
            if crate::replay::is_rust_step(&text) { text.trim().to_owned() } else { what(&statement.head) };
        let pending = Pending {
            found: Found { path: m.up.path.clone(), line: statement.line, what, text },
            ddl: statement.steps.iter().any(|s| matches!(s, Step::Ddl { .. } | Step::Said { .. })),
            temp: statement.steps.iter().any(|s| matches!(s, Step::TempTable(_))),
            calls: statement.steps.iter().any(|s| matches!(s, Step::Calls(_))),
            inserts: statement.ast().and_then(inserts_rows),
            conditional: statement.head.iter().any(|w| w == "IF"),
            tables: statement.skipped.as_ref().map(relations).unwrap_or_default(),
            columns: statement.skipped.as_ref().map(columns).unwrap_or_default(),
        };
        self.before = Some((schema.tables.clone(), schema.enums.clone(), others(schema), pending));
    }

    fn after(&mut self, _: &Migration, schema: &Schema) {
        let Some((tables, enums, other, p)) = self.before.take() else { return };
        self.made.extend(schema.tables.keys().map(|k| k.rsplit('.').next().unwrap_or(k).to_owned()));
        let class = if tables != schema.tables || enums != schema.enums {
            Class::Schema
        } else if p.ddl {
            if other.2 != schema.composites {
                Class::UnseenFirst
            } else if other != others(schema) {
                // A view made or dropped: run in its place among the carried statements.
                Class::Unseen
            } else if p.conditional || p.found.what.starts_with("DROP") {
                // `CREATE ... IF NOT EXISTS` of what is there, `DROP ... IF EXISTS` of what is
                // not: it did nothing.
                Class::Idle
            } else {
                // DDL the replay reads that changes nothing it holds (`ALTER TABLE ... OWNER
                // TO`): the database keeps what it does.
                Class::Unseen
            }
        } else {
            self.class(&p)
        };
        let opaque = p.calls
            || p.found
                .what
                .split(' ')
                .next()
                .is_some_and(|w| matches!(w, "DO" | "CALL" | "EXECUTE" | "EXEC" | "PREPARE" | "PERFORM"));
        let view = if other.0 == schema.views {
            None
        } else if let Some(v) = schema.views.iter().find(|(k, v)| other.0.get(*k) != Some(*v)) {
            Some((v.0.clone(), true))
        } else {
            other.0.keys().find(|k| !schema.views.contains_key(*k)).map(|k| (k.clone(), false))
        };
        let seed = p.inserts == Some(true);
        self.out.push(Sorted {
            class,
            found: p.found,
            opaque,
            tables: p.tables,
            columns: p.columns,
            view,
            seed,
        });
    }
}

impl Sorter {
    /// Whether `text` names a table the history has made so far (a word of it is one).
    fn names_a_table(&self, text: &str) -> bool {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| self.made.contains(&w.to_ascii_lowercase()))
    }

    /// A statement that left the tables and enum types as they were.
    fn class(&mut self, p: &Pending) -> Class {
        let head: Vec<&str> = p.found.what.split(' ').collect();
        let starts = |w: &[&str]| head.len() >= w.len() && head.iter().zip(w).all(|(a, b)| a == b);
        let create = |kinds: &[&str]| {
            let rest: Vec<&str> = head
                .iter()
                .skip(1)
                .copied()
                .filter(|w| !matches!(*w, "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "UNLOGGED" | "TRUSTED"))
                .collect();
            head.first() == Some(&"CREATE") && rest.first().is_some_and(|k| kinds.contains(k))
        };
        if p.temp {
            return Class::Idle;
        }
        // Transactions, settings and upkeep: nothing a new database keeps.
        const IDLE: &[&str] = &[
            "BEGIN",
            "COMMIT",
            "END",
            "ROLLBACK",
            "SAVEPOINT",
            "RELEASE",
            "SET",
            "RESET",
            "PRAGMA",
            "ANALYZE",
            "ANALYSE",
            "VACUUM",
            "REINDEX",
            "CLUSTER",
            "LOCK",
            "UNLOCK",
            "CHECKPOINT",
            "SHOW",
            "EXPLAIN",
            "DISCARD",
            "FLUSH",
            "OPTIMIZE",
            "USE",
        ];
        if head.first().is_some_and(|w| IDLE.contains(w)) || starts(&["START", "TRANSACTION"]) {
            return Class::Idle;
        }
        match p.inserts {
            Some(true) => {
                self.seeded = true;
                return Class::Unseen;
            }
            // A copy between tables, which hold no rows on a new database until one is inserted.
            Some(false) if !self.seeded => return Class::Idle,
            _ => {}
        }
        if !self.seeded
            && !p.calls
            && head.first().is_some_and(|w| matches!(*w, "UPDATE" | "DELETE" | "TRUNCATE"))
        {
            return Class::Idle;
        }
        if head.first() == Some(&"SELECT") && !p.calls {
            return Class::Idle;
        }
        if head.first() == Some(&"COPY") || starts(&["LOAD", "DATA"]) {
            self.seeded = true;
        }
        if create(&["EXTENSION", "SCHEMA", "SEQUENCE", "TYPE", "DOMAIN", "COLLATION"]) {
            return Class::UnseenFirst;
        }
        // Functions before the tables, whose defaults, checks and indexes may call them (a body
        // in procedural code is not checked against the tables until it runs; one in SQL is,
        // and goes after them). Their drops go with them, to keep their order.
        let routine = create(&["FUNCTION", "PROCEDURE"])
            || head.first() == Some(&"DROP")
                && head.iter().skip(1).take(1).any(|w| matches!(*w, "FUNCTION" | "PROCEDURE" | "ROUTINE"));
        if routine && !(language_sql(&p.found.text) && self.names_a_table(&p.found.text)) {
            return Class::UnseenFirst;
        }
        Class::Unseen
    }
}

/// Whether a statement inserts rows: `Some(true)` for rows of its own (`VALUES`, a `SELECT`
/// without `FROM`), `Some(false)` for a copy from tables, `None` when it inserts nothing.
fn inserts_rows(ast: &sqlparser::ast::Statement) -> Option<bool> {
    use sqlparser::ast::{SetExpr, Statement};
    let Statement::Insert(insert) = ast else { return None };
    let Some(source) = &insert.source else { return Some(true) };
    Some(match &*source.body {
        SetExpr::Select(s) => s.from.is_empty(),
        SetExpr::Query(_) | SetExpr::SetOperation { .. } => false,
        _ => true,
    })
}

/// Whether a routine's body is SQL (`LANGUAGE sql`, `BEGIN ATOMIC`), which PostgreSQL checks
/// against the tables when it is created.
fn language_sql(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_ascii_lowercase())
        .collect();
    words.windows(2).any(|w| (w[0] == "language" && w[1] == "sql") || (w[0] == "begin" && w[1] == "atomic"))
}

/// The columns a statement names (lowercased): in its expressions, and the columns an
/// `INSERT` lists.
fn columns(ast: &sqlparser::ast::Statement) -> Vec<String> {
    use sqlparser::ast::{Expr, Statement};
    let mut out = Vec::new();
    if let Statement::Insert(i) = ast {
        out.extend(
            i.columns.iter().filter_map(|c| c.0.last()?.as_ident().map(|i| i.value.to_ascii_lowercase())),
        );
    }
    let _ = sqlparser::ast::visit_expressions(ast, |e| {
        match e {
            Expr::Identifier(i) if i.quote_style != Some('\'') => out.push(i.value.to_ascii_lowercase()),
            Expr::CompoundIdentifier(parts) => {
                if let Some(last) = parts.last() {
                    out.push(last.value.to_ascii_lowercase());
                }
            }
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    out
}

/// The tables a statement names (lowercased, without their schema).
fn relations(ast: &sqlparser::ast::Statement) -> Vec<String> {
    let mut out = Vec::new();
    let _ = sqlparser::ast::visit_relations(ast, |name| {
        if let Some(last) = name.0.last().and_then(|p| p.as_ident()) {
            out.push(last.value.to_ascii_lowercase());
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    out
}

/// The first words of a statement, as a reader names it.
fn what(head: &[String]) -> String {
    head.iter().take(4).cloned().collect::<Vec<_>>().join(" ")
}

/// The text of the statement that starts at `line`, `column` of `sql`.
fn statement_text(dialect: Dialect, sql: &str, line: u64, column: u64) -> String {
    let line_start: usize =
        sql.split_inclusive('\n').take(line.saturating_sub(1) as usize).map(str::len).sum();
    let rest = &sql[line_start.min(sql.len())..];
    let start = line_start
        + rest.char_indices().nth(column.saturating_sub(1) as usize).map_or(rest.len(), |(i, _)| i);
    crate::replay::statement_spans(dialect, sql)
        .into_iter()
        .find(|r| r.start == start)
        .map_or_else(String::new, |r| sql[r].to_owned())
}

/// Settles, once the schema at the end is known, what the statements that touch views and rows
/// are to the squash. Only the last definition of a view it ends with is carried (with the
/// indexes made on it after that); a copy, `UPDATE` or `DELETE` on a table it does not end with
/// (the new table of a rebuild, renamed later) has nothing to do on a new database. Returns the
/// rows inserted into such a table, which the squash cannot carry.
fn settle(out: &mut [Sorted], schema: &Schema, made: &std::collections::HashSet<String>) -> Vec<Found> {
    let exists = |t: &str| {
        schema.tables.keys().chain(schema.views.keys()).any(|k| k == t || k.rsplit('.').next() == Some(t))
    };
    let mut last_create: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (k, x) in out.iter().enumerate() {
        if let Some((name, true)) = &x.view
            && x.found.what.contains("VIEW")
        {
            last_create.insert(name.clone(), k);
        }
    }
    let mut stranded = Vec::new();
    for (k, x) in out.iter_mut().enumerate() {
        if !matches!(x.class, Class::Unseen | Class::UnseenFirst) {
            continue;
        }
        if let Some((name, made)) = &x.view {
            let last = last_create.get(name).copied();
            let kept = *made
                && schema.views.contains_key(name)
                && if x.found.what.contains("VIEW") { last == Some(k) } else { last.is_none_or(|l| k > l) };
            if !kept {
                x.class = Class::Idle;
            }
            continue;
        }
        // A column of none of its tables: one dropped or renamed later (an alias, or a name
        // in a subquery, counts too: what cannot be told is not carried).
        let table_of = |t: &String| {
            schema
                .tables
                .iter()
                .find(|(k, _)| *k == t || k.rsplit('.').next() == Some(t.as_str()))
                .map(|(_, v)| v)
        };
        let has_column = |c: &String| {
            x.tables
                .iter()
                .filter_map(table_of)
                .any(|t| t.columns.iter().any(|col| col.name.eq_ignore_ascii_case(c)))
        };
        let gone = x.tables.iter().any(|t| !exists(t)) || x.columns.iter().any(|c| !has_column(c));
        if x.tables.is_empty() && !x.seed {
            // Another statement that names a table the history made and dropped (`ALTER
            // SEQUENCE ... OWNED BY` it, a trigger or grant on it): what it did went with the
            // table. Not a routine, which outlives the tables its body names.
            let routine = x.found.what.starts_with("CREATE")
                && x.found.what.split(' ').any(|w| matches!(w, "FUNCTION" | "PROCEDURE"));
            let words = x.found.text.split(|c: char| !(c.is_alphanumeric() || c == '_'));
            if !routine && words.map(str::to_ascii_lowercase).any(|w| made.contains(&w) && !exists(&w)) {
                x.class = Class::Idle;
            }
            continue;
        }
        if gone {
            if x.seed {
                stranded.push(x.found.clone());
            } else {
                x.class = Class::Idle;
            }
        }
    }
    stranded
}

/// `t` as its `CREATE TABLE` in the squash gives it: MySQL names the keys a `CREATE TABLE` does
/// not name `<table>_ibfk_1`, `_2`... in the order it lists them, and their indexes after their
/// columns, so keys of those names are listed in their order and left for MySQL to name again.
fn own_names(dialect: Dialect, t: &Table) -> Table {
    let mut t = t.clone();
    if dialect == Dialect::Mysql {
        let prefix = format!("{}_ibfk_", t.name);
        t.foreign_keys.sort_by_key(|f| {
            f.name
                .as_deref()
                .and_then(|n| n.strip_prefix(&prefix))
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(u32::MAX)
        });
    }
    plan::restorable(dialect, &t, true)
}

/// What undoes a carried statement in the squash's down: `Some(Some(sql))` a drop after the
/// tables (a schema, sequence, extension or domain it made), `Some(None)` nothing of its own
/// (rows and triggers go with their tables; views, routines and types are dropped by name;
/// what only acts, or drops), `None` what stays (grants, and what strata cannot name).
fn dropped(dialect: Dialect, f: &Found) -> Option<Option<String>> {
    use sqlparser::ast::{SchemaName, Statement};
    let first = f.what.split(' ').next().unwrap_or("");
    if !matches!(first, "CREATE" | "GRANT") {
        return Some(None);
    }
    let creates = |kinds: &[&str]| f.what.split(' ').skip(1).take(3).any(|w| kinds.contains(&w));
    if first == "CREATE"
        && creates(&[
            "VIEW",
            "MATERIALIZED",
            "FUNCTION",
            "PROCEDURE",
            "TRIGGER",
            "TYPE",
            "INDEX",
            "UNIQUE",
            "TABLE",
            "RULE",
            "POLICY",
        ])
    {
        return Some(None);
    }
    let d = dialect.parser_dialect();
    let parsed =
        sqlparser::parser::Parser::new(&*d).try_with_sql(&f.text).and_then(|mut p| p.parse_statement());
    let drop = match parsed.ok()? {
        Statement::CreateSchema {
            schema_name: SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _),
            ..
        } => {
            format!("DROP SCHEMA IF EXISTS {n};\n")
        }
        Statement::CreateSequence { name, .. } => format!("DROP SEQUENCE IF EXISTS {name};\n"),
        Statement::CreateExtension(e) => format!("DROP EXTENSION IF EXISTS {};\n", e.name),
        Statement::CreateDomain(c) => format!("DROP DOMAIN IF EXISTS {};\n", c.name),
        _ => return None,
    };
    Some(Some(drop))
}

/// Squashes the migrations of `set` up to and including the one at `through` (an index of
/// `set.migrations`) into one, rendered from the replay.
pub fn squash(set: &MigrationSet, through: usize, keep: Keep) -> Result<Squashed, SquashError> {
    let dialect = set.config.dialect;
    let mut part = set.clone();
    part.migrations.truncate(through + 1);
    let mut sorter =
        Sorter { dialect, before: None, seeded: false, out: Vec::new(), made: Default::default() };
    let schema = crate::replay::walk(&part, &mut sorter)?;
    let stranded = settle(&mut sorter.out, &schema, &sorter.made);
    if keep == Keep::Carry && !stranded.is_empty() {
        return Err(SquashError::Stranded(stranded));
    }

    let unseen: Vec<&Found> = sorter
        .out
        .iter()
        .filter(|x| matches!(x.class, Class::Unseen | Class::UnseenFirst))
        .map(|x| &x.found)
        .collect();
    if keep == Keep::Refuse && !unseen.is_empty() {
        return Err(SquashError::Unseen(unseen.into_iter().cloned().collect()));
    }

    // Every table the history made, unmanaged ones too: the squash makes them all.
    let mut normalized_schema = schema.clone();
    normalized_schema.normalize(dialect);
    let targets: Vec<Target> = normalized_schema
        .tables
        .values()
        .map(|t| Target { table: own_names(dialect, t), renamed_from: None, column_renames: Vec::new() })
        .collect();
    let rendered = plan::plan(dialect, &Schema::default(), &targets, &schema.enums, &[])?;
    let (mut up_sql, mut down_sql) = match &rendered {
        Some(p) => (p.up.sql.clone(), p.down.sql.clone()),
        None => (String::new(), String::new()),
    };

    let carried = |first: bool| -> String {
        sorter
            .out
            .iter()
            .filter(|x| x.class == if first { Class::UnseenFirst } else { Class::Unseen })
            .map(|x| {
                let f = &x.found;
                // What the history said of code strata cannot see into comes with it.
                let said = if x.opaque { "-- strata:effect none\n" } else { "" };
                // A `-- strata:rust` line is a comment: it ends at its line, with no semicolon.
                let end = if crate::replay::is_rust_step(&f.text) { "" } else { ";" };
                format!("-- from {}:{}\n{said}{}{end}\n", f.path.display(), f.line, f.text.trim_end())
            })
            .collect()
    };
    let mut left_in_place: Vec<String> = Vec::new();
    if keep == Keep::Carry && !unseen.is_empty() {
        let (first, last) = (carried(true), carried(false));
        if !first.is_empty() {
            up_sql = format!(
                "-- Carried from the squashed migrations: what the tables may need.\n{first}\n{up_sql}"
            );
        }
        if !last.is_empty() {
            up_sql = format!("{up_sql}\n-- Carried from the squashed migrations, in their order.\n{last}");
        }
        // The down drops what the carried statements made, so that the tables can go and the
        // squash can run again: the views first, the rest after the tables, newest first.
        let q = |s: &str| dialect.quote_ident(s);
        let mut before_tables = String::new();
        for v in schema.views.values().rev() {
            let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
            before_tables.push_str(&format!("DROP {kind} IF EXISTS {};\n", q(&v.name)));
        }
        let mut after_tables = String::new();
        for f in &schema.functions {
            after_tables.push_str(&match dialect {
                Dialect::Postgres => format!("DROP ROUTINE IF EXISTS {};\n", q(f)),
                Dialect::Mysql => {
                    format!("DROP FUNCTION IF EXISTS {0};\nDROP PROCEDURE IF EXISTS {0};\n", q(f))
                }
                Dialect::Sqlite => String::new(),
            });
        }
        for name in schema.composites.keys() {
            after_tables.push_str(&format!("DROP TYPE IF EXISTS {};\n", q(name)));
        }
        for x in sorter.out.iter().rev() {
            if !matches!(x.class, Class::Unseen | Class::UnseenFirst) {
                continue;
            }
            match dropped(dialect, &x.found) {
                Some(Some(drop)) => after_tables.push_str(&drop),
                Some(None) => {}
                None => left_in_place.push(x.found.to_string()),
            }
        }
        if !before_tables.is_empty() {
            down_sql = format!("{before_tables}{down_sql}");
        }
        down_sql.push_str(&after_tables);
        if !left_in_place.is_empty() {
            down_sql.push_str("-- Left in place: what these carried statements made.\n");
            for l in &left_in_place {
                down_sql.push_str(&format!("--   {l}\n"));
            }
        }
    }

    let replaces: Vec<Replaced> = part
        .migrations
        .iter()
        .flat_map(|m| {
            // A squash squashed again: what it replaced stays replaced.
            let mut r = m.replaces.clone();
            r.push(Replaced {
                version: m.version_number,
                checksum: crate::migrations::sqlx_checksum(&m.up.sql),
                name: m.name(),
            });
            if m.up.sql.contains('\r') {
                r.push(Replaced { version: m.version_number, checksum: m.checksum, name: m.name() });
            }
            r
        })
        .collect();
    let last = &part.migrations[through];
    let mut header = format!(
        "-- strata: the squash of {} migration{}, from {} to {}. A database that applied them\n-- counts this one as applied; a new database runs it instead. Keep the lines below: they\n-- name what it replaces, with the checksums their databases hold.\n",
        part.migrations.len(),
        if part.migrations.len() == 1 { "" } else { "s" },
        part.migrations[0].name(),
        last.name(),
    );
    for r in &replaces {
        header.push_str(&r.line());
        header.push('\n');
    }
    if keep == Keep::LeaveOut && !unseen.is_empty() {
        header.push_str("-- Left out (what the schema does not show; databases that ran them keep it):\n");
        for f in &unseen {
            header.push_str(&format!("--   {f}\n"));
        }
    }
    let up = format!("{header}\n{up_sql}");

    // The proof: the squash replayed alone builds what the migrations build.
    let mut ours = Schema::default();
    crate::replay::apply_sql(dialect, &mut ours, std::path::Path::new("squash.up.sql"), &up)?;
    let mut theirs = schema.clone();
    if keep != Keep::Carry {
        theirs.views.clear();
        theirs.composites.clear();
    }
    let normalized = |s: &Schema| {
        let mut s = s.clone();
        s.normalize(dialect);
        s
    };
    let (ours_n, theirs_n) = (normalized(&ours), normalized(&theirs));
    if let Some(d) = crate::diff::describe(dialect, &crate::diff::MIGRATIONS_VS_DATABASE, &theirs_n, &ours_n)
    {
        return Err(SquashError::Differs(d));
    }
    let mut back = ours.clone();
    crate::replay::apply_sql(dialect, &mut back, std::path::Path::new("squash.down.sql"), &down_sql)?;
    // An enum type no column uses is not dropped with a table: the down drops it after them.
    if !back.enums.is_empty() {
        for name in back.enums.keys() {
            down_sql.push_str(&format!("DROP TYPE {};\n", dialect.quote_ident(name)));
        }
        back = ours;
        crate::replay::apply_sql(dialect, &mut back, std::path::Path::new("squash.down.sql"), &down_sql)?;
    }
    if let Some(d) = crate::diff::describe(
        dialect,
        &crate::diff::MIGRATIONS_VS_DATABASE,
        &Schema::default(),
        &normalized(&back),
    ) {
        return Err(SquashError::Differs(format!("after its down:\n{d}")));
    }

    let (unseen, idle) = sorter.out.into_iter().fold((Vec::new(), Vec::new()), |(mut u, mut i), x| {
        let f = x.found;
        match x.class {
            Class::Unseen | Class::UnseenFirst => u.push(f),
            Class::Idle => i.push(f),
            Class::Schema => {}
        }
        (u, i)
    });
    Ok(Squashed { up, down: down_sql, replaces, unseen, idle, left_in_place, tables: schema.tables.len() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::migrations::{Layout, SqlFile};

    fn set(dialect: Dialect, files: &[(&str, &str)]) -> MigrationSet {
        let migrations = files
            .iter()
            .enumerate()
            .map(|(k, (name, sql))| Migration {
                version: (k + 1).to_string(),
                version_number: k as i64 + 1,
                description: (*name).to_owned(),
                layout: Layout::SqlxSimple,
                up: SqlFile { path: format!("m/{}_{name}.sql", k + 1).into(), sql: (*sql).to_owned() },
                down: None,
                no_transaction: false,
                down_no_transaction: false,
                checksum: crate::migrations::checksum(sql),
                replaces: Vec::new(),
            })
            .collect();
        MigrationSet { dir: "m".into(), config: Config::new(dialect), migrations }
    }

    const HISTORY: &[(&str, &str)] = &[
        ("users", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"),
        (
            "posts",
            "BEGIN;\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), body TEXT);\nCOMMIT;",
        ),
        (
            "rename",
            "ALTER TABLE users ADD COLUMN email TEXT;\nUPDATE users SET email = name;\nCREATE INDEX users_email ON users (email);",
        ),
        ("seed", "INSERT INTO users (id, name) VALUES (1, 'admin');"),
        ("view", "CREATE VIEW names AS SELECT name FROM users;"),
    ];

    #[test]
    fn a_squash_builds_what_the_history_builds() {
        // Up to the UPDATE: it changes nothing on an empty database, and is said to be left out.
        let s = set(Dialect::Sqlite, HISTORY);
        let q = squash(&s, 2, Keep::Refuse).expect("squashes");
        assert_eq!(q.tables, 2);
        assert_eq!(q.replaces.iter().map(|r| r.version).collect::<Vec<_>>(), [1, 2, 3]);
        let idle: Vec<String> = q.idle.iter().map(ToString::to_string).collect();
        assert_eq!(
            idle,
            ["m/2_posts.sql:1: BEGIN", "m/2_posts.sql:3: COMMIT", "m/3_rename.sql:2: UPDATE USERS SET EMAIL"]
        );
        assert!(q.up.contains("CREATE TABLE") && q.up.contains("users_email"), "{}", q.up);
        // The header is read back as what the squash replaces.
        let read = crate::migrations::replaced_in(&q.up).expect("reads");
        assert_eq!(read, q.replaces);
        assert_eq!(read[0].name, "1_users");
        assert_eq!(read[0].checksum, crate::migrations::sqlx_checksum(HISTORY[0].1));
    }

    #[test]
    fn what_the_schema_does_not_show_is_refused_carried_or_left_out() {
        let s = set(Dialect::Sqlite, HISTORY);
        let e = squash(&s, 4, Keep::Refuse).expect_err("refused").to_string();
        assert!(
            e.starts_with("2 statements of the squashed migrations do something the schema does not show"),
            "{e}"
        );
        assert!(
            e.contains("  m/4_seed.sql:1: INSERT INTO USERS ID\n  m/5_view.sql:1: CREATE VIEW NAMES AS"),
            "{e}"
        );

        let carried = squash(&s, 4, Keep::Carry).expect("carries");
        let insert = carried.up.find("INSERT INTO users").expect("carried");
        assert!(carried.up.find("CREATE TABLE").is_some_and(|t| t < insert), "{}", carried.up);
        assert!(
            carried.up.contains("-- from m/5_view.sql:1\nCREATE VIEW names AS SELECT name FROM users;"),
            "{}",
            carried.up
        );
        assert!(
            carried.down.starts_with("DROP VIEW IF EXISTS names;\nDROP TABLE posts;"),
            "{}",
            carried.down
        );

        let left = squash(&s, 4, Keep::LeaveOut).expect("leaves out");
        assert!(!left.up.contains("INSERT INTO users ("), "{}", left.up);
        assert!(left.up.contains("-- Left out (what the schema does not show; databases that ran them keep it):\n--   m/4_seed.sql:1: INSERT INTO USERS ID\n"), "{}", left.up);
        // Once a row is in, an UPDATE may change it: carried with the rest.
        let mut more = HISTORY.to_vec();
        more.push(("touch", "UPDATE users SET name = 'root';"));
        let e = squash(&set(Dialect::Sqlite, &more), 5, Keep::Refuse).expect_err("refused").to_string();
        assert!(e.contains("m/6_touch.sql:1: UPDATE USERS SET NAME"), "{e}");
    }

    /// A data step in Rust is carried as its line, the function still the application's.
    #[test]
    fn a_rust_step_is_carried_as_its_line() {
        let mut history = HISTORY[..2].to_vec();
        history.push(("fill", "-- strata:rust crate::data::fill\n"));
        let s = set(Dialect::Sqlite, &history);
        let e = squash(&s, 2, Keep::Refuse).expect_err("refused").to_string();
        assert!(e.contains("m/3_fill.sql:1: -- strata:rust crate::data::fill"), "{e}");
        let carried = squash(&s, 2, Keep::Carry).expect("carries");
        assert!(
            carried.up.contains("\n-- from m/3_fill.sql:1\n-- strata:rust crate::data::fill\n"),
            "{}",
            carried.up
        );
        assert_eq!(
            crate::migrations::rust_step(&carried.up),
            Ok(Some((
                carried.up.lines().position(|l| l.starts_with("-- strata:rust")).unwrap_or(0) + 1,
                "crate::data::fill".to_owned()
            )))
        );
    }

    /// A routine outlives the table its body names; a trigger on a dropped table does not.
    #[test]
    fn a_routine_outlives_the_tables_its_body_names() {
        let s = set(
            Dialect::Postgres,
            &[
                ("t", "CREATE TABLE t (a INT);"),
                (
                    "f",
                    "CREATE FUNCTION f() RETURNS BIGINT LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM t); END $$;",
                ),
                ("g", "CREATE TRIGGER g AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();"),
                ("drop", "DROP TABLE t;"),
                ("u", "CREATE TABLE u (a INT);"),
            ],
        );
        let q = squash(&s, 4, Keep::Carry).expect("carries");
        assert!(q.up.contains("CREATE FUNCTION f()"), "{}", q.up);
        assert!(!q.up.contains("CREATE TRIGGER"), "{}", q.up);
        assert!(q.idle.iter().any(|f| f.what.starts_with("CREATE TRIGGER")), "{:?}", q.idle);
    }

    #[test]
    fn a_squash_squashed_again_keeps_what_it_replaced() {
        let s = set(
            Dialect::Postgres,
            &[("a", "CREATE TABLE a (id INT PRIMARY KEY);"), ("b", "CREATE TABLE b (id INT);")],
        );
        let first = squash(&s, 1, Keep::Refuse).expect("squashes");
        let mut again =
            set(Dialect::Postgres, &[("squashed", &first.up), ("c", "ALTER TABLE b ADD c TEXT;")]);
        again.migrations[0].version_number = 2;
        again.migrations[1].version_number = 3;
        again.migrations[0].replaces = crate::migrations::replaced_in(&first.up).expect("reads");
        let second = squash(&again, 1, Keep::Refuse).expect("squashes");
        assert_eq!(second.replaces.iter().map(|r| r.version).collect::<Vec<_>>(), [1, 2, 2, 3]);
        assert!(second.up.contains("\"c\" TEXT") || second.up.contains("c TEXT"), "{}", second.up);
    }
}
