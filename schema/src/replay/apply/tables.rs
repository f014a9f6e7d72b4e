//! Statements on whole tables: create, alter, rename, drop; and PostgreSQL's enum types.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, AlterTypeAddValuePosition, AlterTypeOperation, CreateTable,
    ObjectName, ObjectType, RenameTableNameKind,
};
use sqlparser::tokenizer::Span;

use super::constraints::{drop_index, drop_named};
use super::{Context, Result, at, ident, name_span, nowhere, object_name};
use crate::schema::Table;
use crate::{Dialect, expr, types};

impl Context<'_> {
    pub(super) fn create_table(&mut self, ct: CreateTable) -> Result<()> {
        let name = object_name(self.dialect, &ct.name);
        let span = name_span(&ct.name);
        if ct.query.is_some() {
            return Err(at(
                span,
                format!(
                    "`CREATE TABLE {name} AS SELECT` has columns only the database knows; write the columns out"
                ),
            ));
        }
        if ct.like.is_some() || ct.clone.is_some() {
            return Err(at(
                span,
                format!("`CREATE TABLE {name} LIKE ...` is not replayed; write the columns out"),
            ));
        }
        if self.schema.table(&name).is_some() {
            if ct.if_not_exists {
                return Ok(());
            }
            return Err(at(span, format!("table `{name}` already exists at this point of the history")));
        }
        if self.schema.views.contains_key(&name.to_ascii_lowercase()) {
            return Err(at(span, format!("`{name}` is a view at this point of the history; drop it first")));
        }
        let mut table = Table::new(name);
        for def in &ct.columns {
            self.add_column(&mut table, def, None)?;
        }
        for c in ct.constraints {
            self.add_constraint(&mut table, c)?;
        }
        if self.dialect == Dialect::Postgres {
            // PostgreSQL keeps one index for `UNIQUE PRIMARY KEY`, or for the same UNIQUE written
            // twice, within one CREATE TABLE (transformIndexConstraints).
            let pk: Vec<String> = table.primary_key.iter().flat_map(|p| p.columns.clone()).collect();
            let mut seen = vec![pk];
            table.uniques.retain(|u| {
                let dup = seen.contains(&u.columns);
                seen.push(u.columns.clone());
                !dup
            });
        }
        self.name_constraints(&mut table);
        self.schema.insert_table(table);
        Ok(())
    }

    pub(super) fn alter_table(&mut self, name: &str, op: AlterTableOperation) -> Result<()> {
        let dialect = self.dialect;
        if dialect == Dialect::Sqlite && !sqlite_alters(&op) {
            let what = op.to_string();
            let what = what.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
            return Err(nowhere(format!(
                "SQLite's ALTER TABLE cannot `{what}` (it can only RENAME TO, RENAME COLUMN, ADD COLUMN and DROP COLUMN), so SQLite refuses this statement; rebuild the table, or use `DROP INDEX` / `CREATE INDEX` for indexes"
            )));
        }
        match op {
            AlterTableOperation::AddColumn { if_not_exists, column_def, column_position, .. } => {
                let col = ident(dialect, &column_def.name);
                // sqlite.org/lang_altertable.html: "The column may not have a PRIMARY KEY or
                // UNIQUE constraint", on an empty table as on a full one.
                if dialect == Dialect::Sqlite
                    && let Some(what) = column_def.options.iter().find_map(|o| match o.option {
                        sqlparser::ast::ColumnOption::PrimaryKey(_) => Some("PRIMARY KEY"),
                        sqlparser::ast::ColumnOption::Unique(_) => Some("UNIQUE"),
                        _ => None,
                    })
                {
                    return Err(at(
                        column_def.name.span,
                        format!(
                            "SQLite refuses to add a {what} column (\"Cannot add a {what} column\"); add the column plain and a `CREATE UNIQUE INDEX` on it, or rebuild the table"
                        ),
                    ));
                }
                if if_not_exists && self.table(name)?.column(&col).is_some() {
                    return Ok(());
                }
                let mut table = self.take(name)?;
                self.add_column(&mut table, &column_def, column_position.as_ref())?;
                self.name_constraints(&mut table);
                self.schema.insert_table(table);
            }
            AlterTableOperation::DropColumn { column_names, if_exists, drop_behavior, .. } => {
                let cascade = matches!(drop_behavior, Some(sqlparser::ast::DropBehavior::Cascade));
                for c in &column_names {
                    let col = ident(dialect, c);
                    if self.schema.table(name).is_some_and(|t| t.column(&col).is_some()) {
                        self.drop_column_dependents(name, &col, cascade, c.span)?;
                    }
                    let table = self.table(name)?;
                    if table.column(&col).is_none() {
                        if if_exists {
                            continue;
                        }
                        return Err(at(
                            c.span,
                            format!("column `{name}.{col}` does not exist at this point of the history"),
                        ));
                    }
                    if dialect == Dialect::Mysql {
                        // MySQL takes the column out of each index, dropping emptied ones.
                        for i in &mut table.indexes {
                            i.columns.retain(|x| !x.eq_ignore_ascii_case(&col));
                        }
                        table.indexes.retain(|i| !i.columns.is_empty());
                        for u in &mut table.uniques {
                            u.columns.retain(|x| !x.eq_ignore_ascii_case(&col));
                        }
                        table.uniques.retain(|u| !u.columns.is_empty());
                    }
                    table.drop_column(&col);
                }
            }
            AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                let from = ident(dialect, &old_column_name);
                let to = ident(dialect, &new_column_name);
                self.rename_column(name, &from, &to, old_column_name.span)?;
            }
            AlterTableOperation::RenameTable { table_name } => {
                let (RenameTableNameKind::As(n) | RenameTableNameKind::To(n)) = table_name;
                let to = object_name(dialect, &n);
                self.rename_table(name, &to, name_span(&n))?;
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let col = ident(dialect, &column_name);
                if dialect == Dialect::Postgres && matches!(op, AlterColumnOperation::SetDataType { .. }) {
                    self.read_by_views(
                        name,
                        Some(&col),
                        column_name.span,
                        &format!("change the type of `{name}.{col}`"),
                    )?;
                }
                let table = self.table(name)?;
                let Some(column) = table.column_mut(&col) else {
                    return Err(at(
                        column_name.span,
                        format!("column `{name}.{col}` does not exist at this point of the history"),
                    ));
                };
                match op {
                    AlterColumnOperation::SetNotNull => column.nullable = false,
                    AlterColumnOperation::DropNotNull => column.nullable = true,
                    // On PostgreSQL a serial column is its `nextval` default: replacing or
                    // dropping the default ends the numbering.
                    AlterColumnOperation::SetDefault { value } => {
                        column.default = expr::normalize_ast(dialect, value);
                        column.auto_increment &= dialect != Dialect::Postgres;
                    }
                    AlterColumnOperation::DropDefault => {
                        column.default = None;
                        column.auto_increment &= dialect != Dialect::Postgres;
                    }
                    AlterColumnOperation::SetDataType { data_type, .. } => {
                        column.ty = types::canonical(dialect, &data_type.to_string());
                    }
                    AlterColumnOperation::AddGenerated { .. } => column.auto_increment = true,
                }
            }
            AlterTableOperation::ChangeColumn { old_name, new_name, data_type, options, column_position } => {
                self.redefine(name, &old_name, new_name, data_type, options, column_position.as_ref())?;
            }
            AlterTableOperation::ModifyColumn { col_name, data_type, options, column_position } => {
                self.redefine(
                    name,
                    &col_name,
                    col_name.clone(),
                    data_type,
                    options,
                    column_position.as_ref(),
                )?;
            }
            AlterTableOperation::AddConstraint { constraint, .. } => {
                let mut table = self.take(name)?;
                self.add_constraint(&mut table, constraint)?;
                self.schema.insert_table(table);
            }
            AlterTableOperation::DropConstraint { if_exists, name: cname, .. } => {
                let c = ident(dialect, &cname);
                let table = self.table(name)?;
                if !drop_named(table, &c, dialect) && !if_exists {
                    return Err(at(
                        cname.span,
                        format!("table `{name}` has no constraint named `{c}` at this point of the history"),
                    ));
                }
            }
            AlterTableOperation::DropPrimaryKey { .. } => {
                self.table(name)?.primary_key = None;
            }
            AlterTableOperation::DropForeignKey { name: fk, .. } => {
                let f = ident(dialect, &fk);
                let table = self.table(name)?;
                let before = table.foreign_keys.len();
                table.foreign_keys.retain(|x| !x.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&f)));
                if table.foreign_keys.len() == before {
                    return Err(at(
                        fk.span,
                        format!("table `{name}` has no foreign key named `{f}` at this point of the history"),
                    ));
                }
            }
            AlterTableOperation::DropIndex { name: idx } => {
                let i = ident(dialect, &idx);
                let table = self.table(name)?;
                if !drop_index(table, &i) {
                    return Err(at(
                        idx.span,
                        format!("table `{name}` has no index named `{i}` at this point of the history"),
                    ));
                }
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                let (from, to) = (ident(dialect, &old_name), ident(dialect, &new_name));
                let table = self.table(name)?;
                let names = table
                    .primary_key
                    .iter_mut()
                    .map(|p| &mut p.name)
                    .chain(table.uniques.iter_mut().map(|u| &mut u.name))
                    .chain(table.foreign_keys.iter_mut().map(|f| &mut f.name))
                    .chain(table.checks.iter_mut().map(|c| &mut c.name));
                let mut found = false;
                for n in names {
                    if n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&from)) {
                        *n = Some(to.clone());
                        found = true;
                    }
                }
                if !found {
                    return Err(at(
                        old_name.span,
                        format!(
                            "table `{name}` has no constraint named `{from}` at this point of the history"
                        ),
                    ));
                }
            }
            // Storage, ownership, triggers and row security: no change to the table's shape.
            AlterTableOperation::AutoIncrement { .. }
            | AlterTableOperation::Algorithm { .. }
            | AlterTableOperation::Lock { .. }
            | AlterTableOperation::OwnerTo { .. }
            | AlterTableOperation::SetLogged
            | AlterTableOperation::SetUnlogged
            | AlterTableOperation::EnableTrigger { .. }
            | AlterTableOperation::DisableTrigger { .. }
            | AlterTableOperation::EnableAlwaysTrigger { .. }
            | AlterTableOperation::EnableReplicaTrigger { .. }
            | AlterTableOperation::EnableRowLevelSecurity
            | AlterTableOperation::DisableRowLevelSecurity
            | AlterTableOperation::ForceRowLevelSecurity
            | AlterTableOperation::NoForceRowLevelSecurity
            | AlterTableOperation::ReplicaIdentity { .. }
            | AlterTableOperation::ValidateConstraint { .. }
            | AlterTableOperation::SetTblProperties { .. }
            | AlterTableOperation::SetOptionsParens { .. } => {}
            other => {
                return Err(nowhere(format!("strata cannot replay `ALTER TABLE {name} {other}`")));
            }
        }
        Ok(())
    }

    /// What a database does, or refuses, about what depends on a column being dropped, before
    /// [`Table::drop_column`] takes the column and everything left that mentions it (measured on
    /// PostgreSQL 15, MariaDB 10.11 and SQLite 3.40; see docs/replay.md).
    fn drop_column_dependents(&mut self, table: &str, col: &str, cascade: bool, span: Span) -> Result<()> {
        let dialect = self.dialect;
        let points_at = |f: &crate::schema::ForeignKey| {
            f.ref_table.eq_ignore_ascii_case(table)
                && f.ref_columns.iter().any(|c| c.eq_ignore_ascii_case(col))
        };
        let referrer = self
            .owners
            .referrers(self.schema, table)
            .iter()
            .filter_map(|k| self.schema.tables.get(k))
            .filter(|t| !t.name.eq_ignore_ascii_case(table))
            .find_map(|t| {
                let f = t.foreign_keys.iter().find(|f| points_at(f))?;
                Some((t.name.clone(), f.name.clone().unwrap_or_default()))
            });
        if let Some((other, key)) = referrer {
            match dialect {
                Dialect::Postgres if cascade => {
                    for t in self.schema.tables.values_mut() {
                        t.foreign_keys.retain(|f| !points_at(f));
                    }
                }
                Dialect::Sqlite => {}
                _ => {
                    return Err(at(
                        span,
                        format!(
                            "the database refuses to drop `{table}.{col}`: the foreign key `{key}` of `{other}` references it{}",
                            if dialect == Dialect::Postgres {
                                " (drop the key first, or add CASCADE)"
                            } else {
                                " (drop the key first)"
                            }
                        ),
                    ));
                }
            }
        }
        match dialect {
            Dialect::Postgres if cascade => self.drop_views_reading(table, Some(col)),
            Dialect::Postgres | Dialect::Sqlite => {
                self.read_by_views(table, Some(col), span, &format!("drop `{table}.{col}`"))?
            }
            Dialect::Mysql => {}
        }
        let t = self.table(table)?;
        let mentions = |e: &str| crate::expr::mentions(e, col);
        let refuse = |what: String| {
            Err(at(span, format!("{} refuses to drop `{table}.{col}`: {what} uses it", dialect.title())))
        };
        match dialect {
            Dialect::Postgres => {}
            Dialect::Mysql => {
                // A check on this column alone goes with it; one that also reads another column
                // keeps the column.
                let others = |e: &str| {
                    t.columns
                        .iter()
                        .any(|c| !c.name.eq_ignore_ascii_case(col) && crate::expr::mentions(e, &c.name))
                };
                if let Some(c) = t.checks.iter().find(|c| mentions(&c.expr) && others(&c.expr)) {
                    return refuse(format!("the check `{}`", c.expr));
                }
            }
            Dialect::Sqlite => {
                let is = |c: &String| c.eq_ignore_ascii_case(col);
                if t.primary_key.as_ref().is_some_and(|p| p.columns.iter().any(is)) {
                    return refuse("the primary key".into());
                }
                if let Some(u) = t.uniques.iter().find(|u| u.columns.iter().any(is)) {
                    return refuse(format!("the unique constraint on ({})", u.columns.join(", ")));
                }
                if let Some(i) = t.indexes.iter().find(|i| i.mentions(col)) {
                    return refuse(format!("the index `{}`", i.name));
                }
                // A key written in the column's definition goes with it; a table's
                // `FOREIGN KEY (...)` naming it does not.
                let inline = |f: &crate::schema::ForeignKey| {
                    f.column.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(col))
                };
                if t.foreign_keys.iter().any(|f| f.columns.iter().any(is) && !inline(f)) {
                    return refuse("a foreign key".into());
                }
                let own = |c: &crate::schema::Check| {
                    c.column.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(col))
                };
                if let Some(c) = t.checks.iter().find(|c| mentions(&c.expr) && !own(c)) {
                    return refuse(format!("the check `{}`", c.expr));
                }
            }
        }
        Ok(())
    }

    pub(super) fn rename_table(&mut self, from: &str, to: &str, span: Span) -> Result<()> {
        if self.is_temp(from) {
            return Ok(());
        }
        let Some(mut table) = self.schema.remove_table(from) else {
            return Err(self.missing_table(from, span));
        };
        if self.schema.table(to).is_some() {
            return Err(at(span, format!("table `{to}` already exists at this point of the history")));
        }
        if self.dialect == Dialect::Mysql {
            table.rename_mysql_key_names(to);
        }
        table.name = to.to_owned();
        self.schema.insert_table(table);
        self.schema.retarget_table(from, to);
        Ok(())
    }

    pub(super) fn drop(
        &mut self,
        kind: ObjectType,
        if_exists: bool,
        cascade: bool,
        name: &ObjectName,
        on: Option<&ObjectName>,
    ) -> Result<()> {
        let dialect = self.dialect;
        let n = object_name(dialect, name);
        let span = name_span(name);
        match kind {
            ObjectType::Table => {
                if self.is_temp(&n) {
                    return Ok(());
                }
                if self.schema.table(&n).is_none() {
                    if if_exists {
                        return Ok(());
                    }
                    return Err(self.missing_table(&n, span));
                }
                if dialect == Dialect::Postgres && !cascade {
                    let referring = self.schema.tables.values().find_map(|t| {
                        let f = t.foreign_keys.iter().find(|f| f.ref_table.eq_ignore_ascii_case(&n))?;
                        (!t.name.eq_ignore_ascii_case(&n)).then(|| (t.name.clone(), f.name.clone()))
                    });
                    if let Some((other, fk)) = referring {
                        let fk = fk.map_or(String::new(), |f| format!(" `{f}`"));
                        return Err(at(
                            span,
                            format!(
                                "PostgreSQL refuses to drop table `{n}`: foreign key{fk} of table `{other}` references it; drop `{other}` (or its foreign key) first, or add CASCADE"
                            ),
                        ));
                    }
                }
                match dialect {
                    Dialect::Postgres if cascade => self.drop_views_reading(&n, None),
                    Dialect::Postgres => self.read_by_views(&n, None, span, &format!("drop table `{n}`"))?,
                    _ => {}
                }
                self.schema.remove_table(&n);
                if cascade {
                    for t in self.schema.tables.values_mut() {
                        t.foreign_keys.retain(|f| !f.ref_table.eq_ignore_ascii_case(&n));
                    }
                }
            }
            ObjectType::Index => {
                let owner = match on {
                    Some(t) => Some(object_name(dialect, t)),
                    None => self.owners.owner(self.schema, &n).map(str::to_owned),
                };
                let view = owner.as_ref().and_then(|o| self.schema.views.get_mut(&o.to_ascii_lowercase()));
                let dropped = match view {
                    Some(v) => {
                        let before = v.indexes.len();
                        v.indexes.retain(|i| !i.name.eq_ignore_ascii_case(&n));
                        before != v.indexes.len()
                    }
                    None => owner.and_then(|o| self.schema.table_mut(&o)).is_some_and(|t| drop_index(t, &n)),
                };
                if !dropped && !if_exists {
                    return Err(at(
                        span,
                        format!("there is no index named `{n}` at this point of the history"),
                    ));
                }
            }
            ObjectType::View | ObjectType::MaterializedView => self.drop_view(name, if_exists)?,
            ObjectType::Type => {
                let key = n.to_ascii_lowercase();
                // PostgreSQL refuses to drop a type a column holds; CASCADE drops the columns.
                let holds = |ty: &str| {
                    let ty = ty.strip_suffix("[]").unwrap_or(ty);
                    ty.eq_ignore_ascii_case(&n) || ty.eq_ignore_ascii_case(&key)
                };
                let users: Vec<(String, String)> = self
                    .schema
                    .tables
                    .values()
                    .flat_map(|t| {
                        t.columns.iter().filter(|c| holds(&c.ty)).map(|c| (t.name.clone(), c.name.clone()))
                    })
                    .collect();
                if let Some((t, c)) = users.first().filter(|_| !cascade) {
                    return Err(at(
                        span,
                        format!(
                            "PostgreSQL refuses to drop type `{n}` while column `{t}.{c}` holds it; drop or retype the column first, or add CASCADE (which drops the column)"
                        ),
                    ));
                }
                for (t, c) in users {
                    self.drop_column_dependents(&t, &c, true, span)?;
                    if let Some(t) = self.schema.table_mut(&t) {
                        t.drop_column(&c);
                    }
                }
                let dropped =
                    self.schema.enums.remove(&key).is_some() || self.schema.composites.remove(&key).is_some();
                if !dropped && !if_exists {
                    return Err(at(
                        span,
                        format!("there is no type named `{n}` at this point of the history"),
                    ));
                }
            }
            ObjectType::Schema => {
                // Tables of another schema are kept as `schema.table`.
                let prefix = format!("{}.", n.to_ascii_lowercase());
                let inside: Vec<String> =
                    self.schema.tables.keys().filter(|k| k.starts_with(&prefix)).cloned().collect();
                if !inside.is_empty() && !cascade {
                    return Err(at(
                        span,
                        format!(
                            "PostgreSQL refuses to drop schema `{n}` while it holds tables (`{}`); add CASCADE or drop them first",
                            inside.join("`, `")
                        ),
                    ));
                }
                for k in inside {
                    self.schema.tables.remove(&k);
                }
                self.schema.composites.retain(|k, _| !k.starts_with(&prefix));
                self.schema.enums.retain(|k, _| !k.starts_with(&prefix));
                for t in self.schema.tables.values_mut() {
                    t.foreign_keys.retain(|f| !f.ref_table.to_ascii_lowercase().starts_with(&prefix));
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn alter_type(&mut self, name: &ObjectName, op: AlterTypeOperation) -> Result<()> {
        let n = object_name(self.dialect, name);
        let Some(labels) = self.schema.enums.get_mut(&n.to_ascii_lowercase()) else {
            return Err(at(
                name_span(name),
                format!("there is no enum type named `{n}` at this point of the history"),
            ));
        };
        match op {
            AlterTypeOperation::AddValue(v) => {
                if labels.contains(&v.value.value) {
                    if v.if_not_exists {
                        return Ok(());
                    }
                    return Err(at(
                        v.value.span,
                        format!("enum `{n}` already has the value '{}'", v.value.value),
                    ));
                }
                let pos = match &v.position {
                    None => labels.len(),
                    Some(AlterTypeAddValuePosition::Before(x)) => {
                        labels.iter().position(|l| *l == x.value).unwrap_or(0)
                    }
                    Some(AlterTypeAddValuePosition::After(x)) => {
                        labels.iter().position(|l| *l == x.value).map_or(labels.len(), |i| i + 1)
                    }
                };
                labels.insert(pos, v.value.value);
            }
            AlterTypeOperation::RenameValue(r) => {
                for l in labels.iter_mut().filter(|l| **l == r.from.value) {
                    *l = r.to.value.clone();
                }
                // PostgreSQL stores a value of the type, not its name: defaults, checks and
                // index predicates on columns of the type read back with the new label.
                let literal = |v: &str| format!("'{}'", v.replace('\'', "''"));
                let (from, to) = (literal(&r.from.value), literal(&r.to.value));
                let swap = |e: &mut String| *e = crate::expr::replace_literal(e, &from, &to);
                for t in self.schema.tables.values_mut() {
                    let of_type: Vec<String> = t
                        .columns
                        .iter()
                        .filter(|c| c.ty.eq_ignore_ascii_case(&n))
                        .map(|c| c.name.clone())
                        .collect();
                    let reads = |e: &str| of_type.iter().any(|c| crate::expr::mentions(e, c));
                    for c in t.columns.iter_mut().filter(|c| c.ty.eq_ignore_ascii_case(&n)) {
                        if let Some(d) = &mut c.default {
                            swap(d);
                        }
                    }
                    for c in t.checks.iter_mut().filter(|c| reads(&c.expr)) {
                        swap(&mut c.expr);
                    }
                    for p in t.indexes.iter_mut().filter_map(|i| i.predicate.as_mut()).filter(|p| reads(p)) {
                        swap(p);
                    }
                }
            }
            AlterTypeOperation::Rename(r) => {
                let labels = std::mem::take(labels);
                self.schema.enums.remove(&n.to_ascii_lowercase());
                let to = ident(self.dialect, &r.new_name);
                self.schema.enums.insert(to.to_ascii_lowercase(), labels);
                for t in self.schema.tables.values_mut() {
                    for c in t.columns.iter_mut().filter(|c| c.ty.eq_ignore_ascii_case(&n)) {
                        c.ty = to.clone();
                    }
                }
            }
        }
        Ok(())
    }
}

/// What SQLite's ALTER TABLE can do (<https://sqlite.org/lang_altertable.html>).
fn sqlite_alters(op: &AlterTableOperation) -> bool {
    matches!(
        op,
        AlterTableOperation::AddColumn { .. }
            | AlterTableOperation::DropColumn { .. }
            | AlterTableOperation::RenameColumn { .. }
            | AlterTableOperation::RenameTable { .. }
    )
}
