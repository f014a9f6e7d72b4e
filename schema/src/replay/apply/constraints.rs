//! Keys, uniques, foreign keys, checks and indexes, and the names databases give them.

use sqlparser::ast::{CreateIndex, Expr, Ident, IndexColumn, TableConstraint};
use sqlparser::tokenizer::Span;

use super::{
    Context, Result, action, at, ident, name_span, nowhere, object_name, pg_free_name, pg_index_column_name,
};
use crate::schema::{Check, ForeignKey, Index, PrimaryKey, Table, Unique};
use crate::{Dialect, expr};

impl Context<'_> {
    pub(super) fn index_columns(&self, table: &Table, cols: &[IndexColumn]) -> Result<(Vec<String>, bool)> {
        let mut names = Vec::new();
        let mut expression = false;
        for c in cols {
            let column = match &c.column.expr {
                e @ Expr::Function(_) if self.dialect == Dialect::Postgres => {
                    same_type_conversion(table, e).unwrap_or(&c.column.expr)
                }
                e => e,
            };
            // A collation on a key column is not kept, as a column's own is not: strata does
            // not compare collations (docs/replay.md).
            let column = match column {
                Expr::Collate { expr, .. } if matches!(**expr, Expr::Identifier(_)) => &**expr,
                e => e,
            };
            match column {
                Expr::Identifier(i) => {
                    let name = ident(self.dialect, i);
                    if table.column(&name).is_none() {
                        return Err(at(
                            i.span,
                            format!(
                                "column `{}.{name}` does not exist at this point of the history",
                                table.name
                            ),
                        ));
                    }
                    names.push(table.column(&name).map_or(name, |c| c.name.clone()));
                }
                // MySQL prefix indexes: `KEY (name(10))` are parsed as a call.
                Expr::Function(f) if self.dialect == Dialect::Mysql && f.name.0.len() == 1 => {
                    names.push(object_name(self.dialect, &f.name));
                }
                e => {
                    expression = true;
                    names.push(expr::normalize_ast(self.dialect, e.clone()).unwrap_or_default());
                }
            }
        }
        Ok((names, expression))
    }

    pub(super) fn add_constraint(&mut self, table: &mut Table, c: TableConstraint) -> Result<()> {
        let name_of = |n: &Option<Ident>| n.as_ref().map(|n| ident(self.dialect, n));
        let primary = matches!(c, TableConstraint::PrimaryKeyUsingIndex(_));
        match c {
            TableConstraint::PrimaryKey(pk) => {
                let (columns, _) = self.index_columns(table, &pk.columns)?;
                if self.dialect != Dialect::Sqlite {
                    for c in &columns {
                        if let Some(col) = table.column_mut(c) {
                            col.nullable = false;
                        }
                    }
                }
                table.primary_key = Some(PrimaryKey { name: name_of(&pk.name), columns });
            }
            TableConstraint::Unique(u) => {
                let (columns, _) = self.index_columns(table, &u.columns)?;
                let name = name_of(&u.name).or_else(|| name_of(&u.index_name));
                table.uniques.push(Unique { name, columns });
            }
            TableConstraint::ForeignKey(fk) => {
                let columns: Vec<String> = fk.columns.iter().map(|c| ident(self.dialect, c)).collect();
                for (c, i) in columns.iter().zip(&fk.columns) {
                    if table.column(c).is_none() {
                        return Err(at(
                            i.span,
                            format!(
                                "column `{}.{c}` does not exist at this point of the history",
                                table.name
                            ),
                        ));
                    }
                }
                if self.dialect == Dialect::Mysql {
                    mysql_foreign_key_index(
                        table,
                        &columns,
                        name_of(&fk.name).or_else(|| name_of(&fk.index_name)),
                    );
                }
                table.foreign_keys.push(ForeignKey {
                    name: name_of(&fk.name),
                    columns,
                    ref_table: object_name(self.dialect, &fk.foreign_table),
                    ref_columns: fk.referred_columns.iter().map(|c| ident(self.dialect, c)).collect(),
                    on_delete: action(&fk.on_delete),
                    on_update: action(&fk.on_update),
                    column: None,
                });
            }
            TableConstraint::Check(c) => table.checks.push(Check {
                name: name_of(&c.name),
                expr: expr::normalize_ast(self.dialect, *c.expr).unwrap_or_default(),
                column: None,
            }),
            // PostgreSQL's `ADD [CONSTRAINT c] UNIQUE | PRIMARY KEY USING INDEX i`: the unique
            // index becomes the constraint, renamed to `c` when given.
            TableConstraint::UniqueUsingIndex(u) | TableConstraint::PrimaryKeyUsingIndex(u)
                if self.dialect == Dialect::Postgres =>
            {
                let index = ident(self.dialect, &u.index_name);
                let Some(at_) = table
                    .uniques
                    .iter()
                    .position(|x| x.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&index)))
                else {
                    return Err(at(
                        u.index_name.span,
                        format!(
                            "`{}` has no unique index `{index}` over plain columns at this point of the history",
                            table.name
                        ),
                    ));
                };
                let name = name_of(&u.name).unwrap_or(index);
                if primary {
                    let columns = table.uniques.remove(at_).columns;
                    for c in &columns {
                        if let Some(col) = table.column_mut(c) {
                            col.nullable = false;
                        }
                    }
                    table.primary_key = Some(PrimaryKey { name: Some(name), columns });
                } else {
                    table.uniques[at_].name = Some(name);
                }
            }
            TableConstraint::Index(i) => self.add_plain_index(table, name_of(&i.name), &i.columns)?,
            TableConstraint::FulltextOrSpatial(f) => {
                self.add_plain_index(table, name_of(&f.opt_index_name), &f.columns)?
            }
            other => {
                return Err(nowhere(format!("strata cannot replay the constraint `{other}`")));
            }
        }
        self.name_constraints(table);
        Ok(())
    }

    /// Gives unnamed constraints and indexes the names the database would invent, so that a
    /// later `DROP CONSTRAINT` or `DROP INDEX` by that name finds them.
    /// An index declared inside `CREATE TABLE` or `ALTER TABLE` (MySQL's `INDEX`, `KEY`,
    /// `FULLTEXT`); named later if it has no name.
    fn add_plain_index(&self, table: &mut Table, name: Option<String>, cols: &[IndexColumn]) -> Result<()> {
        let (columns, expression) = self.index_columns(table, cols)?;
        table.indexes.push(Index {
            name: name.unwrap_or_default(),
            columns,
            unique: false,
            expression,
            predicate: None,
            generated: false,
        });
        Ok(())
    }

    pub(super) fn name_constraints(&self, table: &mut Table) {
        // `REFERENCES parent` without columns: PostgreSQL takes the parent's primary key as it
        // is when the foreign key is made (SQLite keeps it implicit, MySQL refuses it).
        if self.dialect == Dialect::Postgres {
            let own_pk = table.primary_key.as_ref().map(|p| p.columns.clone());
            for f in table.foreign_keys.iter_mut().filter(|f| f.ref_columns.is_empty()) {
                let pk = if f.ref_table.eq_ignore_ascii_case(&table.name) {
                    own_pk.clone()
                } else {
                    self.schema
                        .table(&f.ref_table)
                        .and_then(|t| t.primary_key.as_ref())
                        .map(|p| p.columns.clone())
                };
                f.ref_columns = pk.unwrap_or_default();
            }
        }
        let t = table.name.clone();
        match self.dialect {
            Dialect::Postgres => {
                // PostgreSQL's `ChooseConstraintName`: a taken name gets a number after its
                // label (`_check1`); names are taken across the schema.
                // Looked up only for the names chosen, without copying any: a long history
                // names thousands of constraints.
                let schema = &*self.schema;
                let elsewhere = |n: &str| {
                    schema
                        .tables
                        .values()
                        .filter(|x| !x.name.eq_ignore_ascii_case(&t))
                        .any(|x| constraint_names(x).any(|y| y == n))
                };
                let mut taken: Vec<String> = constraint_names(table).map(str::to_owned).collect();
                let mut choose = |cols: &str, label: &str| {
                    let name =
                        pg_free_name(&t, cols, label, |n| taken.iter().any(|x| x == n) || elsewhere(n));
                    taken.push(name.clone());
                    name
                };
                if let Some(pk) = &mut table.primary_key
                    && pk.name.is_none()
                {
                    pk.name = Some(choose("", "pkey"));
                }
                for u in table.uniques.iter_mut().filter(|u| u.name.is_none()) {
                    u.name = Some(choose(&u.columns.join("_"), "key"));
                }
                for f in table.foreign_keys.iter_mut().filter(|f| f.name.is_none()) {
                    f.name = Some(choose(&f.columns.join("_"), "fkey"));
                }
                // A check takes the name of the one column it reads, if it reads one.
                let columns: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
                for c in table.checks.iter_mut().filter(|c| c.name.is_none()) {
                    let read: Vec<&String> =
                        columns.iter().filter(|x| crate::expr::mentions(&c.expr, x)).collect();
                    let col = if let [one] = read.as_slice() { one.as_str() } else { "" };
                    c.name = Some(choose(col, "check"));
                }
            }
            Dialect::Mysql => {
                drop_served_generated_indexes(table);
                let mut taken: Vec<String> = table
                    .indexes
                    .iter()
                    .map(|i| i.name.clone())
                    .chain(table.uniques.iter().filter_map(|u| u.name.clone()))
                    .filter(|n| !n.is_empty())
                    .collect();
                let mut invent = |first: &str| {
                    let mut name = first.to_owned();
                    let mut n = 2;
                    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
                        name = format!("{first}_{n}");
                        n += 1;
                    }
                    taken.push(name.clone());
                    name
                };
                for u in table.uniques.iter_mut().filter(|u| u.name.is_none()) {
                    u.name = Some(invent(&u.columns[0]));
                }
                for i in table.indexes.iter_mut().filter(|i| i.name.is_empty()) {
                    i.name = invent(&i.columns[0]);
                }
                // MariaDB names a column's check after the column, and an unnamed table check
                // `CONSTRAINT_<n>`, the lowest number free (measured on MariaDB 10.11; MySQL 8
                // says `<table>_chk_<n>`).
                let mut checks: Vec<String> = table.checks.iter().filter_map(|c| c.name.clone()).collect();
                for c in table.checks.iter_mut().filter(|c| c.name.is_none()) {
                    let name = match &c.column {
                        Some(col) => col.clone(),
                        None => (1..)
                            .map(|n| format!("CONSTRAINT_{n}"))
                            .find(|n| !checks.iter().any(|x| x.eq_ignore_ascii_case(n)))
                            .unwrap_or_default(),
                    };
                    checks.push(name.clone());
                    c.name = Some(name);
                }
                let mut n = table
                    .foreign_keys
                    .iter()
                    .filter_map(|f| {
                        f.name.as_deref()?.strip_prefix(&format!("{t}_ibfk_"))?.parse::<u32>().ok()
                    })
                    .max()
                    .unwrap_or(0);
                for f in table.foreign_keys.iter_mut().filter(|f| f.name.is_none()) {
                    n += 1;
                    f.name = Some(format!("{t}_ibfk_{n}"));
                }
            }
            Dialect::Sqlite => {}
        }
    }

    pub(super) fn rename_index(&mut self, from: &str, to: &str, span: Span) -> Result<()> {
        for t in self.schema.tables.values_mut() {
            if let Some(i) = t.indexes.iter_mut().find(|i| i.name.eq_ignore_ascii_case(from)) {
                i.name = to.to_owned();
                return Ok(());
            }
            let named = |u: &&mut Unique| u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(from));
            if let Some(u) = t.uniques.iter_mut().find(named) {
                u.name = Some(to.to_owned());
                return Ok(());
            }
        }
        Err(at(span, format!("there is no index named `{from}` at this point of the history")))
    }

    pub(super) fn create_index(&mut self, ci: CreateIndex) -> Result<()> {
        let dialect = self.dialect;
        let table_name = object_name(dialect, &ci.table_name);
        if self.is_temp(&table_name) {
            return Ok(());
        }
        // A materialized view takes indexes too; what it outputs is not known, so its columns
        // are taken as written.
        let view = self.schema.views.get(&table_name.to_ascii_lowercase()).map(|v| v.materialized);
        let (columns, expression) = match (self.schema.table(&table_name), view) {
            (Some(table), _) => self.index_columns(table, &ci.columns)?,
            (None, Some(true)) => (
                ci.columns
                    .iter()
                    .map(|c| expr::normalize_ast(dialect, c.column.expr.clone()).unwrap_or_default())
                    .collect(),
                ci.columns.iter().any(|c| !matches!(c.column.expr, Expr::Identifier(_))),
            ),
            (None, Some(false)) => {
                return Err(at(
                    name_span(&ci.table_name),
                    format!("`{table_name}` is a view: only tables and materialized views take indexes"),
                ));
            }
            (None, None) => return Err(self.missing_table(&table_name, name_span(&ci.table_name))),
        };
        let name = match &ci.name {
            Some(n) => object_name(dialect, n),
            None if dialect == Dialect::Postgres => {
                let parts: Vec<String> =
                    ci.columns.iter().map(|c| pg_index_column_name(dialect, &c.column.expr)).collect();
                let (schema, owners) = (&*self.schema, self.owners);
                pg_free_name(&table_name, &parts.join("_"), "idx", |n| {
                    owners.owner(schema, n).is_some()
                        || schema.table(n).is_some()
                        || schema.tables.values().any(|t| {
                            t.primary_key.as_ref().and_then(|p| p.name.as_deref()).is_some_and(|p| p == n)
                        })
                })
            }
            None => {
                return Err(at(name_span(&ci.table_name), "an index needs a name in this dialect"));
            }
        };
        if self.owners.owner(self.schema, &name).is_some() {
            if ci.if_not_exists {
                return Ok(());
            }
            return Err(at(
                ci.name.as_ref().map_or(Span::empty(), name_span),
                format!("index `{name}` already exists at this point of the history"),
            ));
        }
        let predicate = ci.predicate.and_then(|p| expr::normalize_ast(dialect, p));
        let unique_constraint = ci.unique && !expression && predicate.is_none() && view.is_none();
        let index = Index { name, columns, unique: ci.unique, expression, predicate, generated: false };
        if view.is_some()
            && let Some(v) = self.schema.views.get_mut(&table_name.to_ascii_lowercase())
        {
            v.indexes.push(index);
            return Ok(());
        }
        let table = self.table(&table_name)?;
        if unique_constraint {
            table.uniques.push(Unique { name: Some(index.name), columns: index.columns });
        } else {
            table.indexes.push(index);
        }
        if dialect == Dialect::Mysql {
            drop_served_generated_indexes(table);
        }
        Ok(())
    }
}

pub(super) fn drop_index(table: &mut Table, name: &str) -> bool {
    let before = table.indexes.len() + table.uniques.len();
    table.indexes.retain(|i| !i.name.eq_ignore_ascii_case(name));
    table.uniques.retain(|u| !u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)));
    before != table.indexes.len() + table.uniques.len()
}

pub(super) fn drop_named(table: &mut Table, name: &str, dialect: Dialect) -> bool {
    let is = |n: &Option<String>| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name));
    let mut found = false;
    if table.primary_key.as_ref().is_some_and(|pk| is(&pk.name)) {
        table.primary_key = None;
        found = true;
    }
    let before = table.uniques.len() + table.foreign_keys.len() + table.checks.len();
    table.uniques.retain(|u| !is(&u.name));
    table.foreign_keys.retain(|f| !is(&f.name));
    table.checks.retain(|c| !is(&c.name));
    found |= before != table.uniques.len() + table.foreign_keys.len() + table.checks.len();
    if !found && dialect == Dialect::Mysql {
        found = drop_index(table, name);
    }
    found
}

/// The names a table's constraints and indexes hold.
fn constraint_names(t: &Table) -> impl Iterator<Item = &str> {
    t.constraint_names().chain(t.indexes.iter().map(|i| i.name.as_str()))
}

/// Whether an index MySQL did not make itself, a unique or the primary key starts with
/// `columns`: what serves a foreign key on them.
fn served_by_own_index(table: &Table, columns: &[String]) -> bool {
    let leads = |c: &[String]| {
        c.len() >= columns.len() && c.iter().zip(columns).all(|(a, b)| a.eq_ignore_ascii_case(b))
    };
    table.indexes.iter().any(|i| !i.generated && !i.expression && leads(&i.columns))
        || table.uniques.iter().any(|u| leads(&u.columns))
        || table.primary_key.as_ref().is_some_and(|p| leads(&p.columns))
}

/// MySQL indexes a foreign key's columns unless an index it did not make itself already starts
/// with them, and keeps that index when the key is dropped. A new one replaces the indexes it
/// made for earlier keys that it can serve. It is named after the constraint, else after the
/// key's own index name, else after its first column (measured on MariaDB 10.11).
pub(super) fn mysql_foreign_key_index(table: &mut Table, columns: &[String], name: Option<String>) {
    if served_by_own_index(table, columns) {
        return;
    }
    // The index made for an earlier key that this key's columns start with.
    let replaced = |i: &Index| {
        i.columns.len() <= columns.len()
            && i.columns.iter().zip(columns).all(|(a, b)| a.eq_ignore_ascii_case(b))
    };
    table.indexes.retain(|i| !(i.generated && replaced(i)));
    let taken = |n: &str| {
        table.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(n))
            || table.uniques.iter().any(|u| u.name.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(n)))
    };
    let base = name.unwrap_or_else(|| columns[0].clone());
    let mut name = base.clone();
    let mut n = 2;
    while taken(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    table.indexes.push(Index {
        name,
        columns: columns.to_vec(),
        unique: false,
        expression: false,
        predicate: None,
        generated: true,
    });
}

/// MySQL drops the index it made for a foreign key once another index can serve the key
/// (one that starts with the key's columns), even after the key itself is gone.
fn drop_served_generated_indexes(table: &mut Table) {
    let served: Vec<bool> =
        table.indexes.iter().map(|g| g.generated && served_by_own_index(table, &g.columns)).collect();
    let mut served = served.into_iter();
    table.indexes.retain(|_| !served.next().unwrap_or(false));
}

/// `date(d)` of a date column `d`: PostgreSQL folds the conversion away and indexes the column
/// itself (measured on PostgreSQL 15).
fn same_type_conversion<'e>(table: &Table, e: &'e Expr) -> Option<&'e Expr> {
    use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments};
    let Expr::Function(f) = e else { return None };
    let FunctionArguments::List(list) = &f.args else { return None };
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg @ Expr::Identifier(i)))] = list.args.as_slice()
    else {
        return None;
    };
    let name = f.name.to_string().to_ascii_lowercase();
    let column = table.column(&i.value.to_ascii_lowercase())?;
    (name == "date" && column.ty == "date").then_some(arg)
}
