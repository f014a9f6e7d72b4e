//! Views and materialized views: their names, what they read, and the indexes of materialized
//! ones. The databases refuse to drop or retype what a view reads (PostgreSQL; SQLite refuses
//! dropping a column a view reads), so the replay must know it too.

use std::ops::ControlFlow;

use sqlparser::ast::{
    CreateView, Expr, ObjectName, Query, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableFactor,
    Visit, Visitor,
};

use super::{Context, Result, at, ident, name_span, object_name};
use crate::schema::View;

/// What a query names: its tables (with the names the query gives them) and its columns.
struct Names {
    dialect: crate::Dialect,
    /// (name or alias used in the query, table).
    tables: Vec<(String, String)>,
    /// (qualifier, column) as written.
    columns: Vec<(Option<String>, String)>,
    /// `*` (None) or `q.*` (Some(q)).
    stars: Vec<Option<String>>,
}

impl Visitor for Names {
    type Break = ();

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        let d = self.dialect;
        if let TableFactor::Table { name, alias, .. } = t {
            let table = object_name(d, name);
            let used = alias.as_ref().map_or(table.clone(), |a| ident(d, &a.name));
            self.tables.push((used, table));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        let d = self.dialect;
        if let SetExpr::Select(s) = &*q.body {
            for item in &s.projection {
                match item {
                    SelectItem::Wildcard(_) => self.stars.push(None),
                    SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                        // `alias.*` or `table.*`: the last part names it.
                        let q = name.0.last().and_then(|p| p.as_ident()).map(|i| ident(d, i));
                        self.stars.push(Some(q.unwrap_or_default()));
                    }
                    _ => {}
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        let d = self.dialect;
        match e {
            Expr::Identifier(i) => self.columns.push((None, ident(d, i))),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let n = parts.len();
                self.columns.push((Some(ident(d, &parts[n - 2])), ident(d, &parts[n - 1])));
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

impl Context<'_> {
    pub(super) fn create_view(&mut self, cv: CreateView) -> Result<()> {
        let dialect = self.dialect;
        let name = object_name(dialect, &cv.name);
        let span = name_span(&cv.name);
        let key = name.to_ascii_lowercase();
        if self.schema.table(&name).is_some() {
            return Err(at(span, format!("`{name}` is a table at this point of the history, not a view")));
        }
        if self.schema.views.contains_key(&key) && !cv.or_replace {
            if cv.if_not_exists {
                return Ok(());
            }
            return Err(at(span, format!("view `{name}` already exists at this point of the history")));
        }
        let reads = self.reads(&cv.query);
        self.schema
            .views
            .insert(key, View { name, materialized: cv.materialized, reads, indexes: Vec::new() });
        Ok(())
    }

    /// The `(table, column)` pairs a query reads, resolved against the tables it names; a bare
    /// column belongs to the one table that has it (a query naming an ambiguous one is
    /// refused by the database itself). Other views it reads count as what they read.
    fn reads(&self, query: &Query) -> Vec<(String, String)> {
        let mut names =
            Names { dialect: self.dialect, tables: Vec::new(), columns: Vec::new(), stars: Vec::new() };
        let _ = query.visit(&mut names);
        let mut out: Vec<(String, String)> = Vec::new();
        let mut push = |t: &str, c: &str| {
            if !out.iter().any(|(x, y)| x.eq_ignore_ascii_case(t) && y.eq_ignore_ascii_case(c)) {
                out.push((t.to_owned(), c.to_owned()));
            }
        };
        let table_of =
            |used: &str| names.tables.iter().find(|(u, _)| u.eq_ignore_ascii_case(used)).map(|(_, t)| t);
        for (_, t) in &names.tables {
            if let Some(v) = self.schema.views.get(&t.to_ascii_lowercase()) {
                for (a, b) in &v.reads {
                    push(a, b);
                }
            }
        }
        for (q, c) in &names.columns {
            let owners: Vec<&String> = match q {
                Some(q) => table_of(q).into_iter().collect(),
                None => names
                    .tables
                    .iter()
                    .map(|(_, t)| t)
                    .filter(|t| self.schema.table(t).is_some_and(|t| t.column(c).is_some()))
                    .collect(),
            };
            if let [t] = owners.as_slice()
                && self.schema.table(t).is_some_and(|x| x.column(c).is_some())
            {
                push(t, c);
            }
        }
        for star in &names.stars {
            let tables: Vec<&String> = match star {
                Some(q) => table_of(q).into_iter().collect(),
                None => names.tables.iter().map(|(_, t)| t).collect(),
            };
            for t in tables {
                if self.schema.table(t).is_some() {
                    push(t, "*");
                }
            }
        }
        out
    }

    /// The error for changing what views read, on the databases that refuse it.
    pub(super) fn read_by_views(
        &self,
        table: &str,
        column: Option<&str>,
        span: sqlparser::tokenizer::Span,
        doing: &str,
    ) -> Result<()> {
        let views = self.schema.views_reading(table, column);
        match views.first() {
            Some(v) => Err(at(
                span,
                format!(
                    "{} refuses to {doing}: the view `{v}` reads it (drop the view first and create it again after{})",
                    self.dialect.title(),
                    if self.dialect == crate::Dialect::Postgres && doing.starts_with("drop") {
                        ", or add CASCADE"
                    } else {
                        ""
                    }
                ),
            )),
            None => Ok(()),
        }
    }

    /// Drops the views that read `table` (or its `column`), as `CASCADE` does.
    pub(super) fn drop_views_reading(&mut self, table: &str, column: Option<&str>) {
        self.schema.views.retain(|_, v| !v.reads(table, column));
    }

    pub(super) fn drop_view(&mut self, name: &ObjectName, if_exists: bool) -> Result<()> {
        let n = object_name(self.dialect, name);
        // MySQL's `CREATE DEFINER=... VIEW` and `CREATE ALGORITHM=... VIEW` are skipped, so a
        // view the replay does not know may well exist there.
        let known = self.dialect != crate::Dialect::Mysql;
        if self.schema.views.remove(&n.to_ascii_lowercase()).is_none() && !if_exists && known {
            return Err(at(
                name_span(name),
                format!("there is no view named `{n}` at this point of the history"),
            ));
        }
        Ok(())
    }
}
