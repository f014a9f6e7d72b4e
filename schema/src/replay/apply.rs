//! Applying one parsed statement to the schema.

use sqlparser::ast::{
    AlterColumnOperation, AlterIndexOperation, AlterTableOperation, AlterTypeAddValuePosition,
    AlterTypeOperation, ColumnDef, ColumnOption, CreateIndex, CreateTable, DataType, Expr, Ident,
    IndexColumn, MySQLColumnPosition, ObjectName, ObjectType, ReferentialAction, RenameTableNameKind,
    Statement, TableConstraint, UserDefinedTypeRepresentation,
};
use sqlparser::tokenizer::Span;

use crate::schema::{Action, Check, Column, ForeignKey, Index, PrimaryKey, Table, Unique};
use crate::{Dialect, Schema, expr, types};

pub(crate) type Result<T> = std::result::Result<T, (u64, u64, String)>;

pub(crate) struct Context<'a> {
    pub dialect: Dialect,
    pub schema: &'a mut Schema,
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

/// PostgreSQL's `makeObjectName`: `table_cols_label`, each part cut to fit 63 bytes.
pub(crate) fn pg_name(table: &str, cols: &str, label: &str) -> String {
    let overhead = usize::from(!cols.is_empty()) + label.len() + 1;
    let avail = 63usize.saturating_sub(overhead);
    let (mut n1, mut n2) = (table.len(), cols.len());
    while n1 + n2 > avail {
        if n1 > n2 { n1 -= 1 } else { n2 -= 1 }
    }
    let mut out = table[..n1].to_owned();
    if !cols.is_empty() {
        out.push('_');
        out.push_str(&cols[..n2]);
    }
    out.push('_');
    out.push_str(label);
    out
}

impl Context<'_> {
    pub fn apply(&mut self, stmt: Statement) -> Result<()> {
        match stmt {
            Statement::CreateTable(ct) => self.create_table(ct),
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
                if let Some(UserDefinedTypeRepresentation::Enum { labels }) = representation {
                    let labels = labels.iter().map(|l| l.value.clone()).collect();
                    self.schema.enums.insert(object_name(self.dialect, &name), labels);
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

    fn create_table(&mut self, ct: CreateTable) -> Result<()> {
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
        let mut table = Table::new(name);
        for def in &ct.columns {
            self.add_column(&mut table, def, None)?;
        }
        for c in ct.constraints {
            self.add_constraint(&mut table, c)?;
        }
        self.name_constraints(&mut table);
        self.schema.insert_table(table);
        Ok(())
    }

    fn column(&self, table: &mut Table, def: &ColumnDef) -> Result<Column> {
        let name = ident(self.dialect, &def.name);
        if self.dialect != Dialect::Mysql && def.name.quote_style.is_none() {
            let upper = def.name.value.to_ascii_uppercase();
            // `ADD INDEX idx (a)` read as a column `INDEX` of a type named `idx`.
            if MISREAD_COLUMN_NAMES.contains(&upper.as_str()) && matches!(def.data_type, DataType::Custom(..))
            {
                return Err(at(
                    def.name.span,
                    format!(
                        "`{upper}` is read as a column name under the {} dialect; is this MySQL's `ADD {upper}`? Check the dialect in strata.toml",
                        self.dialect.title()
                    ),
                ));
            }
        }
        let (ty, auto_increment) = self.data_type(&def.data_type);
        let mut column = Column { name: name.clone(), ty, nullable: true, default: None, auto_increment };
        if auto_increment {
            // SERIAL implies NOT NULL.
            column.nullable = false;
        }
        for opt in &def.options {
            let cname = opt.name.as_ref().map(|n| ident(self.dialect, n));
            match &opt.option {
                ColumnOption::Null => column.nullable = true,
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(e) => column.default = expr::normalize_ast(self.dialect, e.clone()),
                ColumnOption::PrimaryKey(_) => {
                    table.primary_key = Some(PrimaryKey { name: cname, columns: vec![name.clone()] });
                }
                ColumnOption::Unique(_) => {
                    table.uniques.push(Unique { name: cname, columns: vec![name.clone()] });
                }
                ColumnOption::ForeignKey(fk) => {
                    table.foreign_keys.push(ForeignKey {
                        name: cname.or_else(|| fk.name.as_ref().map(|n| ident(self.dialect, n))),
                        columns: vec![name.clone()],
                        ref_table: object_name(self.dialect, &fk.foreign_table),
                        ref_columns: fk.referred_columns.iter().map(|c| ident(self.dialect, c)).collect(),
                        on_delete: action(&fk.on_delete),
                        on_update: action(&fk.on_update),
                    });
                }
                ColumnOption::Check(c) => table.checks.push(Check {
                    name: cname.or_else(|| c.name.as_ref().map(|n| ident(self.dialect, n))),
                    expr: expr::normalize_ast(self.dialect, (*c.expr).clone()).unwrap_or_default(),
                }),
                ColumnOption::DialectSpecific(tokens) => {
                    let words: Vec<String> =
                        tokens.iter().map(|t| t.to_string().to_ascii_uppercase()).collect();
                    if words.iter().any(|w| w == "AUTOINCREMENT" || w == "AUTO_INCREMENT") {
                        column.auto_increment = true;
                    }
                }
                ColumnOption::Generated { generation_expr: None, .. } | ColumnOption::Identity(_) => {
                    column.auto_increment = true;
                    column.nullable = false;
                }
                ColumnOption::CharacterSet(_)
                | ColumnOption::Collation(_)
                | ColumnOption::Comment(_)
                | ColumnOption::OnUpdate(_)
                | ColumnOption::Generated { .. }
                | ColumnOption::Invisible => {}
                other => {
                    return Err(at(
                        def.name.span,
                        format!("strata cannot replay the column option `{other}`"),
                    ));
                }
            }
        }
        if table.primary_key.as_ref().is_some_and(|pk| pk.columns == [name.clone()])
            && self.dialect != Dialect::Sqlite
        {
            column.nullable = false;
        }
        Ok(column)
    }

    /// The canonical type, and whether it is one of PostgreSQL's serial pseudo-types.
    fn data_type(&self, dt: &DataType) -> (String, bool) {
        let raw = dt.to_string();
        let serial = self.dialect == Dialect::Postgres
            && matches!(
                raw.to_ascii_lowercase().as_str(),
                "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
            );
        (types::canonical(self.dialect, &raw), serial)
    }

    fn add_column(
        &mut self,
        table: &mut Table,
        def: &ColumnDef,
        position: Option<&MySQLColumnPosition>,
    ) -> Result<()> {
        let name = ident(self.dialect, &def.name);
        if table.column(&name).is_some() {
            return Err(at(
                def.name.span,
                format!("column `{}.{name}` already exists at this point of the history", table.name),
            ));
        }
        let column = self.column(table, def)?;
        self.place(table, column, position)
    }

    fn place(&self, table: &mut Table, column: Column, position: Option<&MySQLColumnPosition>) -> Result<()> {
        match position {
            None => table.columns.push(column),
            Some(MySQLColumnPosition::First) => table.columns.insert(0, column),
            Some(MySQLColumnPosition::After(after)) => {
                let Some(i) = table.column_index(&ident(self.dialect, after)) else {
                    return Err(at(
                        after.span,
                        format!("column `{}.{}` does not exist", table.name, after.value),
                    ));
                };
                table.columns.insert(i + 1, column);
            }
        }
        Ok(())
    }

    fn index_columns(&self, table: &Table, cols: &[IndexColumn]) -> Result<(Vec<String>, bool)> {
        let mut names = Vec::new();
        let mut expression = false;
        for c in cols {
            match &c.column.expr {
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

    fn add_constraint(&mut self, table: &mut Table, c: TableConstraint) -> Result<()> {
        let name_of = |n: &Option<Ident>| n.as_ref().map(|n| ident(self.dialect, n));
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
                table.foreign_keys.push(ForeignKey {
                    name: name_of(&fk.name),
                    columns,
                    ref_table: object_name(self.dialect, &fk.foreign_table),
                    ref_columns: fk.referred_columns.iter().map(|c| ident(self.dialect, c)).collect(),
                    on_delete: action(&fk.on_delete),
                    on_update: action(&fk.on_update),
                });
            }
            TableConstraint::Check(c) => table.checks.push(Check {
                name: name_of(&c.name),
                expr: expr::normalize_ast(self.dialect, *c.expr).unwrap_or_default(),
            }),
            TableConstraint::Index(i) => {
                let (columns, expression) = self.index_columns(table, &i.columns)?;
                let name = name_of(&i.name).unwrap_or_default();
                table.indexes.push(Index { name, columns, unique: false, expression, predicate: None });
            }
            TableConstraint::FulltextOrSpatial(f) => {
                let (columns, expression) = self.index_columns(table, &f.columns)?;
                let name = name_of(&f.opt_index_name).unwrap_or_default();
                table.indexes.push(Index { name, columns, unique: false, expression, predicate: None });
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
    fn name_constraints(&self, table: &mut Table) {
        let t = table.name.clone();
        match self.dialect {
            Dialect::Postgres => {
                if let Some(pk) = &mut table.primary_key
                    && pk.name.is_none()
                {
                    pk.name = Some(pg_name(&t, "", "pkey"));
                }
                for u in table.uniques.iter_mut().filter(|u| u.name.is_none()) {
                    u.name = Some(pg_name(&t, &u.columns.join("_"), "key"));
                }
                for f in table.foreign_keys.iter_mut().filter(|f| f.name.is_none()) {
                    f.name = Some(pg_name(&t, &f.columns.join("_"), "fkey"));
                }
                for c in table.checks.iter_mut().filter(|c| c.name.is_none()) {
                    c.name = Some(pg_name(&t, "", "check"));
                }
            }
            Dialect::Mysql => {
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

    fn alter_table(&mut self, name: &str, op: AlterTableOperation) -> Result<()> {
        let dialect = self.dialect;
        match op {
            AlterTableOperation::AddColumn { if_not_exists, column_def, column_position, .. } => {
                let col = ident(dialect, &column_def.name);
                if if_not_exists && self.table(name)?.column(&col).is_some() {
                    return Ok(());
                }
                let mut table = self.take(name)?;
                self.add_column(&mut table, &column_def, column_position.as_ref())?;
                self.name_constraints(&mut table);
                self.schema.insert_table(table);
            }
            AlterTableOperation::DropColumn { column_names, if_exists, .. } => {
                for c in &column_names {
                    let col = ident(dialect, c);
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
                    AlterColumnOperation::SetDefault { value } => {
                        column.default = expr::normalize_ast(dialect, value)
                    }
                    AlterColumnOperation::DropDefault => column.default = None,
                    AlterColumnOperation::SetDataType { data_type, .. } => {
                        column.ty = types::canonical(dialect, &data_type.to_string());
                    }
                    AlterColumnOperation::AddGenerated { .. } => column.auto_increment = true,
                }
            }
            AlterTableOperation::ChangeColumn { old_name, new_name, data_type, options, column_position } => {
                let from = ident(dialect, &old_name);
                let to = ident(dialect, &new_name);
                self.redefine(
                    name,
                    &from,
                    &old_name,
                    ColumnDef {
                        name: new_name,
                        data_type,
                        options: options
                            .into_iter()
                            .map(|option| sqlparser::ast::ColumnOptionDef { name: None, option })
                            .collect(),
                    },
                    column_position.as_ref(),
                )?;
                if !from.eq_ignore_ascii_case(&to) {
                    self.rename_references(name, &from, &to);
                }
            }
            AlterTableOperation::ModifyColumn { col_name, data_type, options, column_position } => {
                let from = ident(dialect, &col_name);
                self.redefine(
                    name,
                    &from,
                    &col_name,
                    ColumnDef {
                        name: col_name.clone(),
                        data_type,
                        options: options
                            .into_iter()
                            .map(|option| sqlparser::ast::ColumnOptionDef { name: None, option })
                            .collect(),
                    },
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

    /// MySQL's CHANGE and MODIFY: the column is defined anew, keeping its place unless told.
    fn redefine(
        &mut self,
        table_name: &str,
        from: &str,
        old: &Ident,
        def: ColumnDef,
        position: Option<&MySQLColumnPosition>,
    ) -> Result<()> {
        let mut table = self.take(table_name)?;
        let Some(i) = table.column_index(from) else {
            return Err(at(
                old.span,
                format!("column `{table_name}.{from}` does not exist at this point of the history"),
            ));
        };
        let to = ident(self.dialect, &def.name);
        table.rename_column(from, &to);
        let mut column = self.column(&mut table, &def)?;
        if table.is_primary_key_column(&to) {
            column.nullable = false;
        }
        table.columns.remove(i);
        match position {
            None => table.columns.insert(i, column),
            p => self.place(&mut table, column, p)?,
        }
        self.name_constraints(&mut table);
        self.schema.insert_table(table);
        Ok(())
    }

    fn rename_column(&mut self, table: &str, from: &str, to: &str, span: Span) -> Result<()> {
        let t = self.table(table)?;
        if t.column(from).is_none() {
            return Err(at(
                span,
                format!("column `{table}.{from}` does not exist at this point of the history"),
            ));
        }
        t.rename_column(from, to);
        self.rename_references(table, from, to);
        Ok(())
    }

    /// Foreign keys elsewhere follow a renamed column, as every database here does.
    fn rename_references(&mut self, table: &str, from: &str, to: &str) {
        for t in self.schema.tables.values_mut() {
            for f in t.foreign_keys.iter_mut().filter(|f| f.ref_table.eq_ignore_ascii_case(table)) {
                for c in f.ref_columns.iter_mut().filter(|c| c.eq_ignore_ascii_case(from)) {
                    *c = to.to_owned();
                }
            }
        }
    }

    fn rename_table(&mut self, from: &str, to: &str, span: Span) -> Result<()> {
        if self.is_temp(from) {
            return Ok(());
        }
        let Some(mut table) = self.schema.remove_table(from) else {
            return Err(self.missing_table(from, span));
        };
        if self.schema.table(to).is_some() {
            return Err(at(span, format!("table `{to}` already exists at this point of the history")));
        }
        table.name = to.to_owned();
        for t in self.schema.tables.values_mut() {
            for f in t.foreign_keys.iter_mut().filter(|f| f.ref_table.eq_ignore_ascii_case(from)) {
                f.ref_table = to.to_owned();
            }
        }
        for f in table.foreign_keys.iter_mut().filter(|f| f.ref_table.eq_ignore_ascii_case(from)) {
            f.ref_table = to.to_owned();
        }
        self.schema.insert_table(table);
        Ok(())
    }

    fn rename_index(&mut self, from: &str, to: &str, span: Span) -> Result<()> {
        for t in self.schema.tables.values_mut() {
            for i in t.indexes.iter_mut().filter(|i| i.name.eq_ignore_ascii_case(from)) {
                i.name = to.to_owned();
                return Ok(());
            }
            for u in t
                .uniques
                .iter_mut()
                .filter(|u| u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(from)))
            {
                u.name = Some(to.to_owned());
                return Ok(());
            }
        }
        Err(at(span, format!("there is no index named `{from}` at this point of the history")))
    }

    fn create_index(&mut self, ci: CreateIndex) -> Result<()> {
        let dialect = self.dialect;
        let table_name = object_name(dialect, &ci.table_name);
        if self.is_temp(&table_name) {
            return Ok(());
        }
        let Some(table) = self.schema.table(&table_name) else {
            return Err(self.missing_table(&table_name, name_span(&ci.table_name)));
        };
        let (columns, expression) = self.index_columns(table, &ci.columns)?;
        let name = match &ci.name {
            Some(n) => object_name(dialect, n),
            None if dialect == Dialect::Postgres => pg_name(&table_name, &columns.join("_"), "idx"),
            None => {
                return Err(at(name_span(&ci.table_name), "an index needs a name in this dialect"));
            }
        };
        if self.schema.table_of_index(&name).is_some() {
            if ci.if_not_exists {
                return Ok(());
            }
            return Err(at(
                ci.name.as_ref().map_or(Span::empty(), name_span),
                format!("index `{name}` already exists at this point of the history"),
            ));
        }
        let predicate = ci.predicate.and_then(|p| expr::normalize_ast(dialect, p));
        let table = self.table(&table_name)?;
        if ci.unique && !expression && predicate.is_none() {
            table.uniques.push(Unique { name: Some(name), columns });
        } else {
            table.indexes.push(Index { name, columns, unique: ci.unique, expression, predicate });
        }
        Ok(())
    }

    fn drop(
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
                if self.schema.remove_table(&n).is_none() && !if_exists {
                    return Err(self.missing_table(&n, span));
                }
                if cascade {
                    for t in self.schema.tables.values_mut() {
                        t.foreign_keys.retain(|f| !f.ref_table.eq_ignore_ascii_case(&n));
                    }
                }
            }
            ObjectType::Index => {
                let owner = match on {
                    Some(t) => Some(object_name(dialect, t)),
                    None => self.schema.table_of_index(&n).map(str::to_owned),
                };
                let dropped =
                    owner.and_then(|o| self.schema.table_mut(&o)).is_some_and(|t| drop_index(t, &n));
                if !dropped && !if_exists {
                    return Err(at(
                        span,
                        format!("there is no index named `{n}` at this point of the history"),
                    ));
                }
            }
            ObjectType::Type => {
                if self.schema.enums.remove(&n.to_ascii_lowercase()).is_none() && !if_exists {
                    return Err(at(
                        span,
                        format!("there is no type named `{n}` at this point of the history"),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn alter_type(&mut self, name: &ObjectName, op: AlterTypeOperation) -> Result<()> {
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

fn drop_index(table: &mut Table, name: &str) -> bool {
    let before = table.indexes.len() + table.uniques.len();
    table.indexes.retain(|i| !i.name.eq_ignore_ascii_case(name));
    table.uniques.retain(|u| !u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)));
    before != table.indexes.len() + table.uniques.len()
}

fn drop_named(table: &mut Table, name: &str, dialect: Dialect) -> bool {
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
    let rendered = stmt.to_string().to_ascii_uppercase();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || !c.is_ascii();
    let present = |word: &str| {
        rendered.match_indices(word).any(|(i, _)| {
            let before = i.checked_sub(1).map(|j| rendered.as_bytes()[j]);
            let after = rendered.as_bytes().get(i + word.len()).copied();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
    };
    for (word, span) in source {
        // A word can hold several when `split` joined an SQLite type name.
        for part in word.split_whitespace() {
            let up = part.to_ascii_uppercase();
            if !present(&up) && !IGNORABLE_WORDS.contains(&up.as_str()) {
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
