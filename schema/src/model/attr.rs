//! Reading `#[strata(...)]` (and the parts of `#[sqlx(...)]` that name columns).

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitInt, LitStr};

use super::{Ctxt, Declared, FieldDef, IndexDef, ModelDef, ModelError, Reference, snake_case};
use crate::Action;

const STRUCT_KEYS: &[&str] =
    &["table", "renamed_from", "migrations", "primary_key", "index", "unique", "check"];
const FIELD_KEYS: &[&str] = &[
    "column",
    "primary_key",
    "auto_increment",
    "unique",
    "index",
    "default",
    "sql_type",
    "max_length",
    "references",
    "on_delete",
    "on_update",
    "check",
    "renamed_from",
    "skip",
];

/// Every key `#[strata(...)]` accepts, struct-level then field-level.
pub const ATTRIBUTE_KEYS: (&[&str], &[&str]) = (STRUCT_KEYS, FIELD_KEYS);

fn list(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// Remembers which keys an attribute list used, to report a key given twice.
struct Seen(Vec<String>);

impl Seen {
    fn first(&mut self, cx: &mut Ctxt, key: &str, span: Span) -> bool {
        if self.0.iter().any(|k| k == key) {
            cx.error(span, format!("duplicate strata attribute `{key}`"));
            false
        } else {
            self.0.push(key.to_owned());
            true
        }
    }
}

fn string(meta: &ParseNestedMeta, key: &str, example: &str) -> syn::Result<LitStr> {
    let value =
        meta.value().map_err(|_| meta.error(format!("`{key}` takes a value: `{key} = {example}`")))?;
    let expr: syn::Expr = value.parse()?;
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Ok(s),
        other => {
            Err(syn::Error::new(other.span(), format!("expected a string literal: `{key} = {example}`")))
        }
    }
}

fn no_value(meta: &ParseNestedMeta, key: &str) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("`{key}` takes no value: write `#[strata({key})]`")));
    }
    Ok(())
}

fn ident_list(meta: &ParseNestedMeta) -> syn::Result<Vec<String>> {
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
            if let Some(f) = field_def(&mut cx, field) {
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

/// The column type of a field: `Option<T>` is a nullable `T`.
fn unwrap_option(ty: &syn::Type) -> (&syn::Type, bool) {
    if let syn::Type::Path(p) = ty
        && p.qself.is_none()
        && let Some(last) = p.path.segments.last()
        && last.ident == "Option"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return (inner, true);
    }
    (ty, false)
}

fn field_def(cx: &mut Ctxt, field: &syn::Field) -> Option<FieldDef> {
    let ident = field.ident.clone()?;
    let (inner, nullable) = unwrap_option(&field.ty);
    let mut f = FieldDef {
        column: unraw(&ident),
        decl: {
            let (vis, ty) = (&field.vis, &field.ty);
            quote::quote!(#vis #ident: #ty)
        },
        span: ident.span(),
        ident,
        ty: inner.clone(),
        nullable,
        sql_type: None,
        max_length: None,
        primary_key: None,
        auto_increment: None,
        unique: None,
        index: None,
        default: None,
        references: None,
        check: None,
        renamed_from: None,
    };
    let mut skip = None;
    let mut column_given = false;
    let mut on_delete = None;
    let mut on_update = None;
    let mut seen = Seen(Vec::new());
    for attr in &field.attrs {
        if attr.path().is_ident("sqlx") {
            sqlx_attr(cx, attr, &mut f, &mut skip, column_given);
            continue;
        }
        if !attr.path().is_ident("strata") {
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(unraw).unwrap_or_default();
            let span = meta.path.span();
            if FIELD_KEYS.contains(&key.as_str()) && !seen.first(cx, &key, span) {
                // Consume the value so parsing goes on to the next key.
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                return Ok(());
            }
            match key.as_str() {
                // column = "email_address"
                "column" => {
                    let s = string(&meta, "column", "\"email_address\"")?;
                    if s.value().trim().is_empty() {
                        cx.error(s.span(), "the column name is empty");
                    }
                    f.column = s.value();
                    column_given = true;
                }
                // primary_key
                "primary_key" => {
                    no_value(&meta, "primary_key")?;
                    f.primary_key = Some(span);
                }
                // auto_increment
                "auto_increment" => {
                    no_value(&meta, "auto_increment")?;
                    f.auto_increment = Some(span);
                }
                // unique
                "unique" => {
                    no_value(&meta, "unique")?;
                    f.unique = Some(span);
                }
                // index, or index = "ix_name"
                "index" => {
                    let name = if meta.input.peek(syn::Token![=]) {
                        Some(string(&meta, "index", "\"ix_name\"")?.value())
                    } else {
                        no_value(&meta, "index")?;
                        None
                    };
                    f.index = Some((name, span));
                }
                // default = "CURRENT_TIMESTAMP"
                "default" => {
                    let s = string(&meta, "default", "\"CURRENT_TIMESTAMP\"")?;
                    f.default = Some((s.value(), s.span()));
                }
                // sql_type = "CITEXT"
                "sql_type" => {
                    let s = string(&meta, "sql_type", "\"CITEXT\"")?;
                    if s.value().trim().is_empty() {
                        cx.error(s.span(), "`sql_type` is empty");
                    }
                    f.sql_type = Some((s.value(), s.span()));
                }
                // max_length = 255
                "max_length" => {
                    let value = meta.value().map_err(|_| meta.error("`max_length` takes a value: `max_length = 255`"))?;
                    let expr: syn::Expr = value.parse()?;
                    let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }) = &expr else {
                        return Err(syn::Error::new(expr.span(), "expected an integer literal: `max_length = 255`"));
                    };
                    let n: &LitInt = n;
                    match n.base10_parse::<u32>() {
                        Ok(0) | Err(_) => cx.error(n.span(), "`max_length` must be a whole number from 1 up"),
                        Ok(v) => f.max_length = Some((v, n.span())),
                    }
                }
                // references = "users(id)"
                "references" => {
                    let s = string(&meta, "references", "\"users(id)\"")?;
                    match parse_reference(&s.value()) {
                        Some((table, column)) => {
                            f.references = Some(Reference { table, column, on_delete: None, on_update: None, span: s.span() });
                        }
                        None => cx.error(s.span(), format!("expected `table(column)`, like `references = \"users(id)\"`, found `{}`", s.value())),
                    }
                }
                // on_delete = "cascade"
                "on_delete" | "on_update" => {
                    let s = string(&meta, &key, "\"cascade\"")?;
                    match Action::parse(&s.value()) {
                        Some(a) if key == "on_delete" => on_delete = Some((a, s.span())),
                        Some(a) => on_update = Some((a, s.span())),
                        None => cx.error(s.span(), format!(
                            "unknown referential action `{}`; expected one of `cascade`, `restrict`, `set null`, `set default`, `no action`",
                            s.value()
                        )),
                    }
                }
                // check = "price > 0"
                "check" => {
                    let s = string(&meta, "check", "\"price > 0\"")?;
                    f.check = Some((s.value(), s.span()));
                }
                // renamed_from = "old_column"
                "renamed_from" => {
                    let s = string(&meta, "renamed_from", "\"old_column\"")?;
                    f.renamed_from = Some((s.value(), s.span()));
                }
                // skip
                "skip" => {
                    no_value(&meta, "skip")?;
                    skip = Some(span);
                }
                _ if STRUCT_KEYS.contains(&key.as_str()) => {
                    return Err(meta.error(format!(
                        "`{key}` belongs on the struct; on a field strata accepts {}",
                        list(FIELD_KEYS)
                    )));
                }
                _ => {
                    return Err(meta.error(format!(
                        "unknown strata attribute `{key}`; on a field strata accepts {}",
                        list(FIELD_KEYS)
                    )));
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    match (&mut f.references, on_delete, on_update) {
        (Some(r), d, u) => {
            r.on_delete = d;
            r.on_update = u;
        }
        (None, d, u) => {
            for (key, span) in [("on_delete", d.map(|x| x.1)), ("on_update", u.map(|x| x.1))] {
                if let Some(span) = span {
                    cx.error(
                        span,
                        format!("`{key}` needs `references = \"table(column)\"` on the same field"),
                    );
                }
            }
        }
    }
    if let Some(skip_span) = skip {
        let others = [
            f.primary_key.is_some(),
            f.auto_increment.is_some(),
            f.unique.is_some(),
            f.index.is_some(),
            f.default.is_some(),
            f.sql_type.is_some(),
            f.max_length.is_some(),
            f.references.is_some(),
            f.check.is_some(),
            f.renamed_from.is_some(),
            column_given,
        ];
        if others.iter().any(|&o| o) {
            cx.error(
                skip_span,
                "`skip` leaves the field out of the table; it cannot be combined with column options",
            );
        }
        return None;
    }
    Some(f)
}

/// `#[sqlx(rename = "...")]` names the column; `#[sqlx(skip)]` leaves the field out.
fn sqlx_attr(
    cx: &mut Ctxt,
    attr: &syn::Attribute,
    f: &mut FieldDef,
    skip: &mut Option<Span>,
    column_given: bool,
) {
    let result = attr.parse_nested_meta(|meta| {
        let key = meta.path.get_ident().map(unraw).unwrap_or_default();
        match key.as_str() {
            "rename" => {
                let s: LitStr = meta.value()?.parse()?;
                if !column_given {
                    f.column = s.value();
                }
            }
            "skip" => *skip = Some(meta.path.span()),
            "flatten" => cx.error(meta.path.span(), "strata cannot see the columns of a `#[sqlx(flatten)]` field; list them as fields, or add `#[strata(skip)]`"),
            _ => {
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                } else if meta.input.peek(syn::token::Paren) {
                    let _ = meta.parse_nested_meta(|_| Ok(()));
                }
            }
        }
        Ok(())
    });
    // A malformed sqlx attribute is sqlx's to report.
    let _ = result;
}

fn parse_reference(s: &str) -> Option<(String, String)> {
    let (table, rest) = s.trim().split_once('(')?;
    let column = rest.strip_suffix(')')?.trim();
    let table = table.trim();
    let ok = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    (ok(table) && ok(column)).then(|| (table.to_owned(), column.to_owned()))
}
