//! Reading the attributes of one field: `#[strata(...)]`, and `#[sqlx(rename, skip)]`.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{LitInt, LitStr};

use super::attr::{FIELD_KEYS, STRUCT_KEYS, Seen, list, no_value, string, unraw};
use super::{Ctxt, FieldDef, Reference};
use crate::Action;

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

pub(super) fn field_def(cx: &mut Ctxt, field: &syn::Field) -> Option<FieldDef> {
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
        db_enum: None,
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
                // db_enum
                "db_enum" => {
                    no_value(&meta, "db_enum")?;
                    f.db_enum = Some(span);
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
            f.db_enum.is_some(),
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
