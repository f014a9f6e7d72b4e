//! `#[derive(DbEnum)]`: a Rust enum whose variants are the values of a database enum.
//!
//! The names follow sqlx's `#[derive(sqlx::Type)]`, so that one enum serves both: the type is
//! `#[strata(name = "...")]`, else sqlx's `type_name`, else the enum's name in snake case; a
//! value is the variant's `rename`, else its name under the enum's `rename_all`, else its name
//! as written.

use proc_macro2::Span;
use syn::spanned::Spanned;

use super::attr::{Seen, list, string, unraw};
use super::{Ctxt, FieldDef, ModelDef, ModelError, snake_case};
use crate::{Dialect, Schema};

const ENUM_KEYS: &[&str] = &["name", "rename_all"];
const VARIANT_KEYS: &[&str] = &["rename"];
const RENAME_RULES: &[&str] = &[
    "lowercase",
    "UPPERCASE",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "SCREAMING-KEBAB-CASE",
    "camelCase",
    "PascalCase",
];

/// A Rust enum with `#[derive(DbEnum)]`, read.
#[derive(Debug, Clone)]
pub struct EnumDef {
    pub ident: syn::Ident,
    /// The type's name in the database (PostgreSQL's `CREATE TYPE`; the other databases keep
    /// the values on the column and have no name for them).
    pub name: String,
    /// The values, in the order of the variants.
    pub values: Vec<String>,
}

/// What a field with `#[strata(db_enum)]` holds: the enum's name in the database and its
/// values, from the Rust enum (the CLI) or from the migrations (the derive, which cannot see
/// the enum and has rustc compare the two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
}

impl EnumDef {
    pub fn from_ast(input: &syn::DeriveInput) -> Result<EnumDef, Vec<ModelError>> {
        let mut cx = Ctxt::default();
        let syn::Data::Enum(data) = &input.data else {
            cx.error(input.ident.span(), "`DbEnum` describes a database enum; derive it on a Rust `enum`");
            return Err(cx.check().expect_err("an error"));
        };
        if !input.generics.params.is_empty() {
            cx.error(input.generics.span(), "a database enum cannot be generic");
        }
        let mut name = None;
        let mut type_name = None;
        let mut rule = None;
        let mut seen = Seen(Vec::new());
        for attr in &input.attrs {
            if attr.path().is_ident("sqlx") {
                // sqlx's own names, which strata follows; the rest is sqlx's to check.
                let _ = attr.parse_nested_meta(|meta| {
                    match meta.path.get_ident().map(unraw).as_deref() {
                        Some("type_name") => type_name = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
                        Some("rename_all") => {
                            let s: syn::LitStr = meta.value()?.parse()?;
                            if rule.is_none() {
                                rule = Some((s.value(), s.span()));
                            }
                        }
                        _ => skip_value(&meta)?,
                    }
                    Ok(())
                });
                continue;
            }
            if !attr.path().is_ident("strata") {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                let key = meta.path.get_ident().map(unraw).unwrap_or_default();
                if ENUM_KEYS.contains(&key.as_str()) && !seen.first(&mut cx, &key, meta.path.span()) {
                    return skip_value(&meta);
                }
                match key.as_str() {
                    // name = "post_status"
                    "name" => {
                        let s = string(&meta, "name", "\"post_status\"")?;
                        if s.value().trim().is_empty() {
                            cx.error(s.span(), "the type name is empty");
                        }
                        name = Some(s.value());
                    }
                    // rename_all = "snake_case"
                    "rename_all" => {
                        let s = string(&meta, "rename_all", "\"snake_case\"")?;
                        rule = Some((s.value(), s.span()));
                    }
                    _ => {
                        return Err(meta.error(format!(
                            "unknown strata attribute `{key}`; on a database enum strata accepts {}",
                            list(ENUM_KEYS)
                        )));
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                cx.syn_error(e);
            }
        }
        if let Some((r, span)) = &rule
            && !RENAME_RULES.contains(&r.as_str())
        {
            cx.error(
                *span,
                format!("unknown `rename_all` rule `{r}`; expected one of {}", list(RENAME_RULES)),
            );
        }
        if data.variants.is_empty() {
            cx.error(input.ident.span(), "a database enum needs at least one variant");
        }
        let mut values: Vec<(String, Span)> = Vec::new();
        for v in &data.variants {
            if !matches!(v.fields, syn::Fields::Unit) {
                cx.error(
                    v.fields.span(),
                    format!(
                        "variant `{}` holds data; the variants of a database enum are plain names",
                        v.ident
                    ),
                );
            }
            let value = variant_value(&mut cx, v)
                .unwrap_or_else(|| rename(rule.as_ref().map_or("", |r| r.0.as_str()), &unraw(&v.ident)));
            if value.contains('\'') || value.is_empty() {
                cx.error(
                    v.ident.span(),
                    format!(
                        "`{value}` cannot be a database enum value: strata writes each value as an SQL string"
                    ),
                );
            }
            if values.iter().any(|(x, _)| *x == value) {
                cx.error(v.ident.span(), format!("two variants have the value `{value}`"));
            }
            values.push((value, v.ident.span()));
        }
        cx.check()?;
        Ok(EnumDef {
            name: name.or(type_name).unwrap_or_else(|| snake_case(&unraw(&input.ident))),
            ident: input.ident.clone(),
            values: values.into_iter().map(|v| v.0).collect(),
        })
    }

    pub fn to_type(&self) -> EnumType {
        EnumType { name: self.name.clone(), values: self.values.clone() }
    }
}

impl EnumType {
    /// What the migrations (`schema`, replayed) make of the `db_enum` field `f` of `model`: the
    /// side of the comparison the derive can see, which cannot see the Rust enum. An error,
    /// with its help, when the column is not an enum there.
    pub fn in_migrations(
        dialect: Dialect,
        schema: &Schema,
        model: &ModelDef,
        f: &FieldDef,
    ) -> Result<EnumType, String> {
        let help =
            |what: String| format!("= help: run `strata generate -m \"{what}\"` to write the migration");
        let table = schema
            .table(&model.table)
            .or_else(|| model.renamed_from.as_deref().and_then(|o| schema.table(o)));
        let column = table.and_then(|t| {
            t.column(&f.column).or_else(|| f.renamed_from.as_ref().and_then(|(o, _)| t.column(o)))
        });
        let at = format!("`{}.{}`", model.table, f.column);
        let rust = f.type_name();
        let Some(c) = column else {
            let help = help(format!("add {} to {}", f.column, model.table));
            return Err(format!("no migration creates {at}, the database enum `{rust}`\n{help}"));
        };
        let help = help(format!("alter {}.{}", model.table, f.column));
        let values = table.and_then(|t| super::enum_values_of(dialect, &schema.enums, t, &c.name));
        let Some(values) = values else {
            let what = match dialect {
                Dialect::Postgres => format!("not an enum type for `{rust}`"),
                Dialect::Mysql => format!("not an `ENUM(...)` of the values of `{rust}`"),
                Dialect::Sqlite => {
                    format!("with no `CHECK ({} IN (...))` to keep it to the values of `{rust}`", c.name)
                }
            };
            return Err(format!("{at} is `{}` in the migrations, {what}\n{help}", c.ty));
        };
        // Only PostgreSQL names the type; the other databases keep the values on the column.
        let name = if dialect == Dialect::Postgres { c.ty.clone() } else { String::new() };
        Ok(EnumType { name, values })
    }
}

/// A variant's own value: `#[strata(rename = "...")]`, else `#[sqlx(rename = "...")]`.
fn variant_value(cx: &mut Ctxt, v: &syn::Variant) -> Option<String> {
    let mut strata = None;
    let mut sqlx = None;
    for attr in &v.attrs {
        if attr.path().is_ident("sqlx") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    sqlx = Some(meta.value()?.parse::<syn::LitStr>()?.value());
                    Ok(())
                } else {
                    skip_value(&meta)
                }
            });
        } else if attr.path().is_ident("strata") {
            let result = attr.parse_nested_meta(|meta| {
                // rename = "in_review"
                if meta.path.is_ident("rename") {
                    strata = Some(string(&meta, "rename", "\"in_review\"")?.value());
                    return Ok(());
                }
                let key = meta.path.get_ident().map(unraw).unwrap_or_default();
                Err(meta.error(format!(
                    "unknown strata attribute `{key}`; on a variant strata accepts {}",
                    list(VARIANT_KEYS)
                )))
            });
            if let Err(e) = result {
                cx.syn_error(e);
            }
        }
    }
    strata.or(sqlx)
}

fn skip_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|_| Ok(()))?;
    }
    Ok(())
}

/// A variant's name under a `rename_all` rule, as sqlx spells it.
fn rename(rule: &str, variant: &str) -> String {
    let snake = snake_case(variant);
    match rule {
        "lowercase" => variant.to_lowercase(),
        "UPPERCASE" => variant.to_uppercase(),
        "snake_case" => snake,
        "SCREAMING_SNAKE_CASE" => snake.to_uppercase(),
        "kebab-case" => snake.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => snake.replace('_', "-").to_uppercase(),
        "camelCase" => {
            let mut c = variant.chars();
            c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
        }
        _ => variant.to_owned(),
    }
}

/// Every enum deriving `DbEnum` in a Rust source file (in nested modules too).
pub fn enums_in_file(file: &syn::File) -> Vec<Result<EnumDef, Vec<ModelError>>> {
    enums_in_items(&file.items)
}

/// [`enums_in_file`] of some of a file's items.
pub fn enums_in_items(items: &[syn::Item]) -> Vec<Result<EnumDef, Vec<ModelError>>> {
    let mut out = Vec::new();
    super::derived(items, "DbEnum", &mut out);
    out.iter().filter(|i| matches!(i.data, syn::Data::Enum(_))).map(EnumDef::from_ast).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str) -> Result<EnumDef, Vec<String>> {
        EnumDef::from_ast(&syn::parse_str(src).expect("parses"))
            .map_err(|es| es.into_iter().map(|e| e.message).collect())
    }

    #[test]
    fn names_follow_sqlx() {
        let e = read("#[sqlx(type_name = \"mood\", rename_all = \"snake_case\")] enum Mood { VeryHappy, Sad, #[sqlx(rename = \"meh\")] SoSo }").expect("read");
        assert_eq!(e.name, "mood");
        assert_eq!(e.values, ["very_happy", "sad", "meh"]);
        let e = read("enum PostStatus { Draft, InReview }").expect("read");
        assert_eq!(e.name, "post_status");
        assert_eq!(e.values, ["Draft", "InReview"]);
        let e = read("#[strata(name = \"st\", rename_all = \"SCREAMING-KEBAB-CASE\")] #[sqlx(type_name = \"x\")] enum S { InReview, #[strata(rename = \"done\")] Done }").expect("read");
        assert_eq!(e.name, "st");
        assert_eq!(e.values, ["IN-REVIEW", "done"]);
        assert_eq!(rename("camelCase", "InReview"), "inReview");
        assert_eq!(rename("kebab-case", "InReview"), "in-review");
    }

    #[test]
    fn mistakes_are_reported() {
        let errors = read("#[strata(rename_all = \"Title Case\", colour = 1)] enum E { A(i32), #[strata(rename = \"a\")] B, C }").expect_err("refused");
        let all = errors.join("\n");
        assert!(all.contains("unknown `rename_all` rule `Title Case`"), "{all}");
        assert!(all.contains("unknown strata attribute `colour`"), "{all}");
        assert!(all.contains("variant `A` holds data"), "{all}");
        assert!(
            read("enum E { A, #[strata(rename = \"A\")] B }").expect_err("refused")[0]
                .contains("two variants have the value `A`")
        );
        assert!(read("enum E {}").expect_err("refused")[0].contains("at least one variant"));
        assert!(read("struct E;").expect_err("refused")[0].contains("derive it on a Rust `enum`"));
    }
}
