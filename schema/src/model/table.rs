//! From a read model to the [`Table`] it describes in one dialect.

use super::{Ctxt, EnumType, FieldDef, ModelDef, ModelError};
use crate::schema::{Check, Column, ForeignKey, Index, PrimaryKey, Table, Unique};
use crate::{Dialect, expr, types};

impl ModelDef {
    /// The table this model describes in `dialect`, normalised like a replayed one.
    ///
    /// Indexes the model does not name get an empty name, which the comparison reads as
    /// "any name".
    pub fn to_table(&self, dialect: Dialect) -> Result<Table, Vec<ModelError>> {
        self.to_table_with(dialect, &|f| {
            Err(format!(
                "strata cannot see the variants of `{}`: add `#[derive(strata::DbEnum)]` to it",
                f.type_name()
            ))
        })
    }

    /// [`ModelDef::to_table`], with `enums` telling what each `db_enum` field holds, or why
    /// that is not known (an error at the field's type).
    pub fn to_table_with(
        &self,
        dialect: Dialect,
        enums: &dyn Fn(&FieldDef) -> Result<EnumType, String>,
    ) -> Result<Table, Vec<ModelError>> {
        let mut cx = Ctxt::default();
        let mut table = Table::new(self.table.clone());
        if self.fields.is_empty() {
            cx.error(
                self.ident.span(),
                format!("model `{}` has no columns; a table needs at least one", self.ident),
            );
        }
        for f in &self.fields {
            let of_enum = f.db_enum.map(|_| enums(f));
            if let Some(Err(message)) = &of_enum {
                cx.error_range(f.ty_span(), f.ty_end(), message.clone());
            }
            let of_enum = of_enum.and_then(Result::ok);
            if let Some(c) = column(&mut cx, dialect, f, of_enum.as_ref()) {
                if let Some(e) = of_enum.as_ref().filter(|_| dialect == Dialect::Sqlite) {
                    table.checks.push(Check {
                        name: None,
                        expr: enum_check(&c.name, &e.values),
                        column: Some(c.name.clone()),
                    });
                }
                table.columns.push(c);
            }
        }
        self.keys(&mut cx, dialect, &mut table);
        cx.check()?;
        table.normalize(dialect);
        Ok(table)
    }

    /// The column a struct-level attribute means by `name`: a field's name or a column's.
    fn resolve(&self, cx: &mut Ctxt, name: &str, span: proc_macro2::Span) -> Option<String> {
        let found = self
            .fields
            .iter()
            .find(|f| super::attr::unraw(&f.ident) == name)
            .or_else(|| self.field_by_column(name));
        if found.is_none() {
            cx.error(span, format!("model `{}` has no field or column named `{name}`", self.ident));
        }
        found.map(|f| f.column.clone())
    }

    fn keys(&self, cx: &mut Ctxt, dialect: Dialect, table: &mut Table) {
        let field_pk: Vec<&FieldDef> = self.fields.iter().filter(|f| f.primary_key.is_some()).collect();
        if let Some(pk) = &self.primary_key {
            for f in &field_pk {
                cx.error(
                    f.primary_key.unwrap_or(f.span),
                    "the struct already declares `primary_key(...)`; declare the key in one place",
                );
            }
            let columns = pk.columns.iter().filter_map(|c| self.resolve(cx, c, pk.span)).collect();
            table.primary_key = Some(PrimaryKey { name: None, columns });
        } else if !field_pk.is_empty() {
            table.primary_key =
                Some(PrimaryKey { name: None, columns: field_pk.iter().map(|f| f.column.clone()).collect() });
        }
        for f in &self.fields {
            if let Some(span) = f.unique {
                if f.primary_key.is_some() && field_pk.len() == 1 {
                    cx.error(span, "a primary key is already unique; remove `unique`");
                }
                table.uniques.push(Unique { name: None, columns: vec![f.column.clone()] });
            }
            if let Some((name, _)) = &f.index {
                table.indexes.push(index(name.clone(), vec![f.column.clone()], false));
            }
            if let Some(r) = &f.references {
                table.foreign_keys.push(ForeignKey {
                    name: None,
                    columns: vec![f.column.clone()],
                    ref_table: r.table.clone(),
                    ref_columns: vec![r.column.clone()],
                    on_delete: r.on_delete.map(|a| a.0).unwrap_or_default(),
                    on_update: r.on_update.map(|a| a.0).unwrap_or_default(),
                    column: None,
                });
            }
            if let Some((sql, span)) = &f.check {
                match expr::parse_normalized(dialect, sql) {
                    Ok(e) => {
                        table.checks.push(Check { name: None, expr: e.unwrap_or_default(), column: None })
                    }
                    Err(e) => cx.error(*span, format!("`check` is not an SQL expression: {e}")),
                }
            }
        }
        for u in &self.uniques {
            let columns = u.columns.iter().filter_map(|c| self.resolve(cx, c, u.span)).collect();
            table.uniques.push(Unique { name: u.name.clone(), columns });
        }
        for i in &self.indexes {
            let columns: Vec<String> = i.columns.iter().filter_map(|c| self.resolve(cx, c, i.span)).collect();
            if i.unique {
                table.uniques.push(Unique { name: i.name.clone(), columns });
            } else {
                table.indexes.push(index(i.name.clone(), columns, false));
            }
        }
        for (sql, span) in &self.checks {
            match expr::parse_normalized(dialect, sql) {
                Ok(e) => table.checks.push(Check { name: None, expr: e.unwrap_or_default(), column: None }),
                Err(e) => cx.error(*span, format!("`check` is not an SQL expression: {e}")),
            }
        }
    }
}

fn index(name: Option<String>, columns: Vec<String>, unique: bool) -> Index {
    Index {
        name: name.unwrap_or_default(),
        columns,
        unique,
        expression: false,
        predicate: None,
        generated: false,
    }
}

/// The name strata matches a Rust type by: its last path segment, `Vec<u8>` whole.
pub fn type_key(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            if name == "Vec"
                && let syn::PathArguments::AngleBracketed(a) = &last.arguments
                && let Some(syn::GenericArgument::Type(syn::Type::Path(inner))) = a.args.first()
                && inner.path.is_ident("u8")
            {
                return Some("Vec<u8>".into());
            }
            Some(name)
        }
        syn::Type::Reference(r) => type_key(&r.elem),
        syn::Type::Group(g) => type_key(&g.elem),
        _ => None,
    }
}

/// The values of a database enum as SQL: `'a', 'b'`.
pub fn enum_values_sql(values: &[String]) -> String {
    values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect::<Vec<_>>().join(", ")
}

/// The check that keeps a SQLite column to an enum's values, normalised.
pub fn enum_check(column: &str, values: &[String]) -> String {
    let sql = format!("{} IN ({})", Dialect::Sqlite.quote_ident(column), enum_values_sql(values));
    expr::parse_normalized(Dialect::Sqlite, &sql).ok().flatten().unwrap_or(sql)
}

/// The column type of an enum in `dialect`: PostgreSQL's named type, MySQL's `ENUM(...)`,
/// SQLite's text (kept to the values by [`enum_check`]).
pub fn enum_sql_type(dialect: Dialect, e: &EnumType) -> String {
    match dialect {
        Dialect::Postgres => types::canonical(dialect, &e.name),
        Dialect::Mysql => types::canonical(dialect, &format!("enum({})", enum_values_sql(&e.values))),
        Dialect::Sqlite => "text".to_owned(),
    }
}

/// The values of the enum column `column` of `table`, read back from what [`enum_sql_type`] and
/// [`enum_check`] write: PostgreSQL's type (its values in `enums`, keyed by lowercased name),
/// MySQL's `enum(...)`, SQLite's `CHECK (column IN (...))`. `None` for a column that is no enum.
pub fn enum_values_of(
    dialect: Dialect,
    enums: &std::collections::BTreeMap<String, Vec<String>>,
    table: &Table,
    column: &str,
) -> Option<Vec<String>> {
    let c = table.column(column)?;
    match dialect {
        Dialect::Postgres => enums.get(&c.ty.to_ascii_lowercase()).cloned(),
        Dialect::Mysql => {
            c.ty.strip_prefix("enum(").and_then(|v| v.strip_suffix(')')).map(types::enum_values)
        }
        Dialect::Sqlite => table.checks.iter().find_map(|k| expr::in_list(dialect, &k.expr, &c.name)),
    }
}

fn column(cx: &mut Ctxt, dialect: Dialect, f: &FieldDef, of_enum: Option<&EnumType>) -> Option<Column> {
    let key = type_key(&f.ty);
    let rust = f.type_name();
    let is_string = matches!(key.as_deref(), Some("String" | "str"));
    if let (Some((_, ts)), Some((_, ls))) = (&f.sql_type, &f.max_length) {
        cx.error(
            *ls,
            "`max_length` and `sql_type` conflict; put the length in the type: `sql_type = \"VARCHAR(255)\"`",
        );
        let _ = ts;
    } else if f.db_enum.is_some()
        && let Some(span) = f.sql_type.as_ref().map(|s| s.1).or(f.max_length.map(|m| m.1))
    {
        cx.error(span, "a `db_enum` field takes its type from the enum; remove `sql_type` and `max_length`");
        return None;
    } else if let Some((_, span)) = &f.max_length
        && !is_string
    {
        cx.error(*span, format!("`max_length` applies to `String` fields; `{}` is `{rust}`", f.ident));
    }
    let ty = match &f.sql_type {
        _ if f.db_enum.is_some() => Some(enum_sql_type(dialect, of_enum?)),
        Some((sql, _)) => Some(types::canonical(dialect, sql)),
        None => {
            match key.as_deref().and_then(|k| types::rust_to_sql(dialect, k, f.max_length.map(|m| m.0))) {
                Some(sql) => Some(types::canonical(dialect, &sql)),
                None if key.as_deref() == Some("u64") => {
                    cx.error_range(f.ty_span(), f.ty_end(), format!("{} has no unsigned 64-bit integer; use `i64`, or give `#[strata(sql_type = \"NUMERIC(20)\")]`", dialect.title()));
                    None
                }
                None => {
                    cx.error_range(f.ty_span(), f.ty_end(), format!(
                    "strata does not know the SQL type of `{rust}` on {}; add `#[strata(sql_type = \"...\")]` to field `{}`",
                    dialect.title(),
                    f.ident
                ));
                    None
                }
            }
        }
    };
    let auto_increment = f.auto_increment.is_some();
    if let Some(span) = f.auto_increment {
        let integer = ty.as_deref().is_some_and(types::is_integer);
        if ty.is_some() && !integer {
            cx.error(span, format!("`auto_increment` needs an integer column; `{}` is `{rust}`", f.ident));
        }
        if f.nullable {
            cx.error(
                span,
                format!(
                    "an `auto_increment` column is never NULL; make `{}` a `{rust}`, not an `Option`",
                    f.ident
                ),
            );
        }
        if f.primary_key.is_none() {
            cx.error(span, "`auto_increment` needs `primary_key` on the same field");
        }
        if let Some((_, d)) = &f.default {
            cx.error(*d, "`default` and `auto_increment` conflict: the database assigns the value");
        }
    }
    if let Some(span) = f.primary_key
        && f.nullable
    {
        cx.error(
            span,
            format!("a primary key column cannot be NULL; make `{}` a `{rust}`, not an `Option`", f.ident),
        );
    }
    let default = match &f.default {
        Some((sql, span)) => match expr::parse_normalized(dialect, sql) {
            Ok(d) => d,
            Err(e) => {
                cx.error(*span, format!("`default` is not an SQL expression: {e}"));
                None
            }
        },
        None => None,
    };
    Some(Column { name: f.column.clone(), ty: ty?, nullable: f.nullable, default, auto_increment })
}

impl FieldDef {
    /// The field's type as written, without `Option`: `PostStatus`.
    pub fn type_name(&self) -> String {
        use quote::ToTokens;
        self.ty.to_token_stream().to_string().replace(' ', "")
    }

    /// The span of the field's type, where a type error belongs.
    pub fn ty_span(&self) -> proc_macro2::Span {
        use syn::spanned::Spanned;
        self.ty.span()
    }

    /// The span of the type's last token, so an error can cover the whole type.
    pub fn ty_end(&self) -> proc_macro2::Span {
        use quote::ToTokens;
        self.ty.to_token_stream().into_iter().last().map_or_else(|| self.ty_span(), |t| t.span())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect::*;

    fn model(src: &str) -> ModelDef {
        ModelDef::from_ast(&syn::parse_str(src).expect("parses")).expect("valid model")
    }

    #[test]
    fn a_model_becomes_a_table() {
        let m = model(
            r#"
            #[strata(table = "posts", index(columns(author_id, created_at)))]
            struct Post {
                #[strata(primary_key, auto_increment)]
                id: i64,
                #[strata(references = "users(id)", on_delete = "cascade")]
                author_id: i64,
                #[sqlx(rename = "body_text")]
                body: Option<String>,
                #[strata(max_length = 200, unique)]
                title: String,
                created_at: chrono::NaiveDateTime,
            }"#,
        );
        let t = m.to_table(Postgres).expect("resolves");
        assert_eq!(t.name, "posts");
        let cols: Vec<_> = t.columns.iter().map(|c| (c.name.as_str(), c.ty.as_str(), c.nullable)).collect();
        assert_eq!(
            cols,
            [
                ("id", "bigint", false),
                ("author_id", "bigint", false),
                ("body_text", "text", true),
                ("title", "varchar(200)", false),
                ("created_at", "timestamp", false),
            ]
        );
        assert_eq!(t.primary_key.as_ref().map(|p| p.columns.clone()), Some(vec!["id".to_owned()]));
        assert_eq!(t.foreign_keys[0].on_delete, crate::Action::Cascade);
        assert_eq!(t.indexes[0].columns, ["author_id", "created_at"]);
    }

    #[test]
    fn mistakes_are_all_reported() {
        let input: syn::DeriveInput = syn::parse_str(
            r#"struct T {
                #[strata(primary_key, primary_key, colour = "red")]
                id: Option<i64>,
                #[strata(max_length = "x")]
                name: String,
            }"#,
        )
        .expect("parses");
        let errors = ModelDef::from_ast(&input).expect_err("invalid");
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("duplicate strata attribute `primary_key`")),
            "{messages:?}"
        );
        assert!(messages.iter().any(|m| m.contains("unknown strata attribute `colour`")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("expected an integer literal")), "{messages:?}");
    }
}
