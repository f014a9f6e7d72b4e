//! Columns: their definitions, additions, MySQL's redefinitions, renames.

use sqlparser::ast::{ColumnDef, ColumnOption, DataType, Ident, MySQLColumnPosition};
use sqlparser::tokenizer::Span;

use super::{Context, MISREAD_COLUMN_NAMES, Result, action, at, ident, object_name};
use crate::schema::{Check, Column, ForeignKey, PrimaryKey, Table, Unique};
use crate::{Dialect, expr, types};

impl Context<'_> {
    pub(super) fn column(&self, table: &mut Table, def: &ColumnDef) -> Result<Column> {
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
                    if self.dialect == Dialect::Mysql {
                        // MariaDB keeps a column's `REFERENCES`, and indexes it like any key.
                        super::constraints::mysql_foreign_key_index(table, std::slice::from_ref(&name), None);
                    }
                    table.foreign_keys.push(ForeignKey {
                        name: cname.or_else(|| fk.name.as_ref().map(|n| ident(self.dialect, n))),
                        columns: vec![name.clone()],
                        ref_table: object_name(self.dialect, &fk.foreign_table),
                        ref_columns: fk.referred_columns.iter().map(|c| ident(self.dialect, c)).collect(),
                        on_delete: action(&fk.on_delete),
                        on_update: action(&fk.on_update),
                        column: Some(name.clone()),
                    });
                }
                ColumnOption::Check(c) => table.checks.push(Check {
                    name: cname.or_else(|| c.name.as_ref().map(|n| ident(self.dialect, n))),
                    expr: expr::normalize_ast(self.dialect, (*c.expr).clone()).unwrap_or_default(),
                    column: Some(name.clone()),
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
    pub(super) fn data_type(&self, dt: &DataType) -> (String, bool) {
        let raw = dt.to_string();
        let serial = self.dialect == Dialect::Postgres
            && matches!(
                raw.to_ascii_lowercase().as_str(),
                "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
            );
        (types::canonical(self.dialect, &raw), serial)
    }

    pub(super) fn add_column(
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

    pub(super) fn place(
        &self,
        table: &mut Table,
        column: Column,
        position: Option<&MySQLColumnPosition>,
    ) -> Result<()> {
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

    /// MySQL's CHANGE and MODIFY: the column is defined anew, keeping its place unless told.
    pub(super) fn redefine(
        &mut self,
        table_name: &str,
        old: &Ident,
        new_name: Ident,
        data_type: DataType,
        options: Vec<ColumnOption>,
        position: Option<&MySQLColumnPosition>,
    ) -> Result<()> {
        let from = ident(self.dialect, old);
        let options = options
            .into_iter()
            .map(|option| sqlparser::ast::ColumnOptionDef { name: None, option })
            .collect();
        let def = ColumnDef { name: new_name, data_type, options };
        let mut table = self.take(table_name)?;
        let Some(i) = table.column_index(&from) else {
            return Err(at(
                old.span,
                format!("column `{table_name}.{from}` does not exist at this point of the history"),
            ));
        };
        let to = ident(self.dialect, &def.name);
        table.rename_column(&from, &to);
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
        if !from.eq_ignore_ascii_case(&to) {
            let among = self.owners.referrers(self.schema, table_name);
            self.schema.retarget_column_among(&among, table_name, &from, &to);
        }
        Ok(())
    }

    pub(super) fn rename_column(&mut self, table: &str, from: &str, to: &str, span: Span) -> Result<()> {
        let t = self.table(table)?;
        if t.column(from).is_none() {
            return Err(at(
                span,
                format!("column `{table}.{from}` does not exist at this point of the history"),
            ));
        }
        t.rename_column(from, to);
        let among = self.owners.referrers(self.schema, table);
        self.schema.retarget_column_among(&among, table, from, to);
        Ok(())
    }
}
