//! Reading `#[strata(...)]` (and the parts of `#[sqlx(...)]` that name columns).

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use super::{Ctxt, Declared, IndexDef, ModelDef, ModelError, snake_case};

pub(super) const STRUCT_KEYS: &[&str] =
    &["table", "renamed_from", "migrations", "primary_key", "index", "unique", "check"];
pub(super) const FIELD_KEYS: &[&str] = &[
    "column",
    "primary_key",
    "auto_increment",
    "unique",
    "index",
    "default",
    "sql_type",
    "db_enum",
    "max_length",
    "references",
    "on_delete",
    "on_update",
    "check",
    "renamed_from",
    "skip",
];

pub(super) fn list(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// Remembers which keys an attribute list used, to report a key given twice.
pub(super) struct Seen(pub(super) Vec<String>);

impl Seen {
    pub(super) fn first(&mut self, cx: &mut Ctxt, key: &str, span: Span) -> bool {
        if self.0.iter().any(|k| k == key) {
            cx.error(span, format!("duplicate strata attribute `{key}`"));
            false
        } else {
            self.0.push(key.to_owned());
            true
        }
    }
}

pub(super) fn string(meta: &ParseNestedMeta, key: &str, example: &str) -> syn::Result<LitStr> {
    let value =
        meta.value().map_err(|_| meta.error(format!("`{key}` takes a value: `{key} = {example}`")))?;
    // The common case, a lone literal, without parsing an expression.
    if value.peek(LitStr)
        && let Some((_, rest)) = value.cursor().literal()
        && (rest.eof() || rest.punct().is_some_and(|(p, _)| p.as_char() == ','))
    {
        return value.parse();
    }
    let expr: syn::Expr = value.parse()?;
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Ok(s),
        other => {
            Err(syn::Error::new(other.span(), format!("expected a string literal: `{key} = {example}`")))
        }
    }
}

pub(super) fn no_value(meta: &ParseNestedMeta, key: &str) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("`{key}` takes no value: write `#[strata({key})]`")));
    }
    Ok(())
}

pub(super) fn ident_list(meta: &ParseNestedMeta) -> syn::Result<Vec<String>> {
    let mut out = Vec::new();
    meta.parse_nested_meta(|inner| {
        let Some(i) = inner.path.get_ident() else {
            return Err(inner.error("expected a field or column name"));
        };
        out.push(unraw(i));
        Ok(())
    })?;
    Ok(out)
}

pub(crate) fn unraw(i: &syn::Ident) -> String {
    let s = i.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

impl ModelDef {
    /// Reads a `#[derive(Model)]` input, reporting every attribute mistake at once.
    pub fn from_ast(input: &DeriveInput) -> Result<ModelDef, Vec<ModelError>> {
        let mut cx = Ctxt::default();
        let mut model = ModelDef {
            ident: input.ident.clone(),
            table: snake_case(&unraw(&input.ident)),
            table_span: input.ident.span(),
            renamed_from: None,
            migrations: None,
            fields: Vec::new(),
            primary_key: None,
            indexes: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
        };
        let fields = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => Some(&named.named),
                _ => {
                    cx.error(input.ident.span(), "`Model` needs a struct with named fields, one per column");
                    None
                }
            },
            Data::Enum(e) => {
                cx.error(
                    e.enum_token.span,
                    "`Model` describes a table and needs a struct with named fields, not an enum",
                );
                None
            }
            Data::Union(u) => {
                cx.error(
                    u.union_token.span,
                    "`Model` describes a table and needs a struct with named fields, not a union",
                );
                None
            }
        };
        model.struct_attrs(&mut cx, &input.attrs);
        for field in fields.into_iter().flatten() {
            if let Some(f) = super::field::field_def(&mut cx, field) {
                model.fields.push(f);
            }
        }
        model.check_names(&mut cx);
        cx.check().map(|()| model)
    }

    fn struct_attrs(&mut self, cx: &mut Ctxt, attrs: &[syn::Attribute]) {
        let mut seen = Seen(Vec::new());
        for attr in attrs.iter().filter(|a| a.path().is_ident("strata")) {
            let result = attr.parse_nested_meta(|meta| {
                let key = meta.path.get_ident().map(unraw).unwrap_or_default();
                let span = meta.path.span();
                match key.as_str() {
                    // table = "users"
                    "table" => {
                        let s = string(&meta, "table", "\"users\"")?;
                        if seen.first(cx, "table", span) {
                            if s.value().trim().is_empty() {
                                cx.error(s.span(), "the table name is empty");
                            }
                            self.table = s.value();
                            self.table_span = s.span();
                        }
                    }
                    // renamed_from = "old_name"
                    "renamed_from" => {
                        let s = string(&meta, "renamed_from", "\"old_table\"")?;
                        if seen.first(cx, "renamed_from", span) {
                            self.renamed_from = Some(s.value());
                        }
                    }
                    // migrations = "db/migrations"
                    "migrations" => {
                        let s = string(&meta, "migrations", "\"migrations\"")?;
                        if seen.first(cx, "migrations", span) {
                            self.migrations = Some((s.value(), s.span()));
                        }
                    }
                    // primary_key(a, b)
                    "primary_key" => {
                        let columns = ident_list(&meta).map_err(|_| {
                            meta.error("a struct-level `primary_key` lists its columns: `primary_key(a, b)`; for one column put `#[strata(primary_key)]` on the field")
                        })?;
                        if seen.first(cx, "primary_key", span) {
                            self.primary_key = Some(Declared { columns, name: None, span });
                        }
                    }
                    // index(columns(a, b), name = "ix_name", unique)
                    "index" => self.indexes.push(index_def(cx, &meta, span)?),
                    // unique(columns(a, b), name = "uq_name")
                    "unique" => {
                        let i = index_def(cx, &meta, span)?;
                        self.uniques.push(Declared { columns: i.columns, name: i.name, span });
                    }
                    // check = "price > 0"
                    "check" => {
                        let s = string(&meta, "check", "\"price > 0\"")?;
                        self.checks.push((s.value(), s.span()));
                    }
                    _ if FIELD_KEYS.contains(&key.as_str()) => {
                        return Err(meta.error(format!(
                            "`{key}` belongs on a field; on the struct strata accepts {}",
                            list(STRUCT_KEYS)
                        )));
                    }
                    _ => {
                        return Err(meta.error(format!(
                            "unknown strata attribute `{key}`; on a struct strata accepts {}",
                            list(STRUCT_KEYS)
                        )));
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                cx.syn_error(e);
            }
        }
    }

    fn check_names(&self, cx: &mut Ctxt) {
        for (i, f) in self.fields.iter().enumerate() {
            if let Some(other) = self.fields[..i].iter().find(|o| o.column.eq_ignore_ascii_case(&f.column)) {
                cx.error(
                    f.span,
                    format!("column `{}` is also the column of field `{}`", f.column, other.ident),
                );
            }
        }
    }
}

fn index_def(cx: &mut Ctxt, meta: &ParseNestedMeta, span: Span) -> syn::Result<IndexDef> {
    let mut def = IndexDef { columns: Vec::new(), name: None, unique: false, span };
    let key = meta.path.get_ident().map(unraw).unwrap_or_default();
    let example = format!("{key}(columns(a, b), name = \"ix_name\")");
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("a struct-level `{key}` lists its columns: `{example}`")));
    }
    let mut seen = Seen(Vec::new());
    meta.parse_nested_meta(|inner| {
        let k = inner.path.get_ident().map(unraw).unwrap_or_default();
        match k.as_str() {
            "columns" => {
                if seen.first(cx, "columns", inner.path.span()) {
                    def.columns = ident_list(&inner)?;
                }
            }
            "name" => {
                let s = string(&inner, "name", "\"ix_name\"")?;
                if seen.first(cx, "name", inner.path.span()) {
                    def.name = Some(s.value());
                }
            }
            "unique" if key == "index" => {
                no_value(&inner, "unique")?;
                def.unique = true;
            }
            _ => {
                let accepted =
                    if key == "index" { "`columns`, `name`, `unique`" } else { "`columns`, `name`" };
                return Err(inner
                    .error(format!("unknown key `{k}` in `{key}(...)`; expected {accepted}: `{example}`")));
            }
        }
        Ok(())
    })?;
    if def.columns.is_empty() {
        cx.error(span, format!("`{key}` needs at least one column: `{example}`"));
    }
    Ok(def)
}
