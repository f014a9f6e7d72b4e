//! Model definitions from syn input: what `#[derive(Model)]` and the CLI read from a struct.
//!
//! Parsing ([`ModelDef::from_ast`]) reads the attributes and reports every mistake on its own
//! span; [`ModelDef::to_table`] then resolves types for a dialect and yields the [`Table`] the
//! struct describes.

mod attr;
mod db_enum;
mod described;
mod field;
mod table;

use proc_macro2::Span;

pub use db_enum::{EnumDef, EnumType, enums_in_file, enums_in_items};
pub use table::{enum_check, enum_sql_type, enum_values_of, enum_values_sql, type_key};

/// A struct with `#[derive(Model)]`, read.
#[derive(Debug, Clone)]
pub struct ModelDef {
    pub ident: syn::Ident,
    pub table: String,
    pub table_span: Span,
    pub renamed_from: Option<String>,
    /// `#[strata(migrations = "...")]`: the migrations directory, relative to the crate.
    pub migrations: Option<(String, Span)>,
    pub fields: Vec<FieldDef>,
    /// Struct-level `primary_key(a, b)`.
    pub primary_key: Option<Declared>,
    pub indexes: Vec<IndexDef>,
    pub uniques: Vec<Declared>,
    pub checks: Vec<(String, Span)>,
}

/// Columns named at the struct level, with where they were named.
#[derive(Debug, Clone)]
pub struct Declared {
    pub columns: Vec<String>,
    pub name: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct IndexDef {
    pub columns: Vec<String>,
    pub name: Option<String>,
    pub unique: bool,
    pub span: Span,
}

/// One field that maps to a column (fields with `skip` are left out).
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub ident: syn::Ident,
    /// The field's name, for errors about the column as such.
    pub span: Span,
    /// `pub name: Type` without the attributes: what an error about the whole column covers.
    pub decl: proc_macro2::TokenStream,
    pub ty: syn::Type,
    pub column: String,
    pub nullable: bool,
    pub sql_type: Option<(String, Span)>,
    /// `#[strata(db_enum)]`: the field's type derives `DbEnum`.
    pub db_enum: Option<Span>,
    pub max_length: Option<(u32, Span)>,
    pub primary_key: Option<Span>,
    pub auto_increment: Option<Span>,
    pub unique: Option<Span>,
    pub index: Option<(Option<String>, Span)>,
    pub default: Option<(String, Span)>,
    pub references: Option<Reference>,
    pub check: Option<(String, Span)>,
    pub renamed_from: Option<(String, Span)>,
}

#[derive(Debug, Clone)]
pub struct Reference {
    pub table: String,
    pub column: String,
    pub on_delete: Option<(crate::Action, Span)>,
    pub on_update: Option<(crate::Action, Span)>,
    pub span: Span,
}

/// A mistake in a model, on the smallest span that shows it.
#[derive(Debug, Clone)]
pub struct ModelError {
    pub span: Span,
    /// Where the error ends, when it covers more than one token.
    pub end: Option<Span>,
    pub message: String,
}

impl ModelError {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        ModelError { span, end: None, message: message.into() }
    }

    /// As a `syn::Error`, covering `span` to `end`.
    pub fn into_syn(self) -> syn::Error {
        match self.end {
            Some(end) => {
                let first = quote::quote_spanned!(self.span=> __start);
                let last = quote::quote_spanned!(end=> __end);
                syn::Error::new_spanned(quote::quote!(#first #last), self.message)
            }
            None => syn::Error::new(self.span, self.message),
        }
    }
}

impl From<syn::Error> for ModelError {
    fn from(e: syn::Error) -> Self {
        ModelError::new(e.span(), e.to_string())
    }
}

/// Collects errors so that all of them are reported at once.
#[derive(Debug, Default)]
pub struct Ctxt {
    errors: Vec<ModelError>,
}

impl Ctxt {
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(ModelError::new(span, message));
    }

    pub fn error_range(&mut self, start: Span, end: Span, message: impl Into<String>) {
        self.errors.push(ModelError { span: start, end: Some(end), message: message.into() });
    }

    pub fn syn_error(&mut self, e: syn::Error) {
        self.errors.push(e.into());
    }

    pub fn check(self) -> Result<(), Vec<ModelError>> {
        if self.errors.is_empty() { Ok(()) } else { Err(self.errors) }
    }
}

impl ModelDef {
    pub fn field_by_column(&self, column: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.column.eq_ignore_ascii_case(column))
    }

    /// The `references` of this model whose table or column exists nowhere: not in `schema`
    /// (the replayed migrations), not in `others` (the other models, when known), not in this
    /// model itself. Each comes with what is wrong, in words, and whether the table exists
    /// (only the column is missing).
    pub fn dangling_references(&self, schema: &crate::Schema, others: &ModelTables<'_>) -> Vec<Dangling<'_>> {
        let mut out = Vec::new();
        for f in &self.fields {
            let Some(r) = &f.references else { continue };
            let own = r.table.eq_ignore_ascii_case(&self.table);
            let model = others.0.get(&r.table.to_ascii_lowercase());
            let has_column = |c: &str| {
                schema.table(&r.table).is_some_and(|t| t.column(c).is_some())
                    || model.is_some_and(|t| t.column(c).is_some())
                    || own && self.field_by_column(c).is_some()
            };
            let known = own || model.is_some() || schema.table(&r.table).is_some();
            let at = format!("`{}.{}` references `{}({})`", self.table, f.column, r.table, r.column);
            if !known {
                let nowhere = if others.is_empty() {
                    format!("no migration creates a table `{}`", r.table)
                } else {
                    format!("neither a model nor a migration has a table `{}`", r.table)
                };
                let message = format!("{at}, but {nowhere}");
                out.push(Dangling { reference: r, column: &f.column, message, table_exists: false });
            } else if !has_column(&r.column) {
                let message = format!("{at}, but `{}` has no column `{}`", r.table, r.column);
                out.push(Dangling { reference: r, column: &f.column, message, table_exists: true });
            }
        }
        out
    }
}

/// The tables of the other models, by lowercased name, for [`ModelDef::dangling_references`]
/// (found in one step however many models there are).
#[derive(Debug, Default)]
pub struct ModelTables<'a>(std::collections::HashMap<String, &'a crate::Table>);

impl<'a> ModelTables<'a> {
    pub fn new(tables: impl IntoIterator<Item = &'a crate::Table>) -> Self {
        ModelTables(tables.into_iter().map(|t| (t.name.to_ascii_lowercase(), t)).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A `references` of a model to a table or column that exists nowhere.
#[derive(Debug)]
pub struct Dangling<'a> {
    pub reference: &'a Reference,
    /// The column of the model that holds the reference.
    pub column: &'a str,
    /// What is wrong, in words.
    pub message: String,
    /// The table exists; only the column is missing.
    pub table_exists: bool,
}

impl Dangling<'_> {
    /// Whether `d` is the foreign key the migrations lack because of this reference: said once,
    /// at `references`, not twice.
    pub fn explains(dangling: &[Dangling], d: &crate::diff::Difference) -> bool {
        d.kind == crate::diff::DiffKind::MissingForeignKey
            && dangling
                .iter()
                .any(|x| matches!(d.columns.as_slice(), [c] if c.eq_ignore_ascii_case(x.column)))
    }
}

/// `UserProfile` -> `user_profile`: the table name when `table = "..."` is not given.
pub fn snake_case(ident: &str) -> String {
    let mut out = String::with_capacity(ident.len() + 4);
    let chars: Vec<char> = ident.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || next_lower && chars[i - 1].is_uppercase()) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Finds every struct deriving `Model` in a Rust source file, including through
/// `cfg_attr(..., derive(Model))`; what the CLI uses to find models without compiling.
pub fn models_in_file(file: &syn::File) -> Vec<Result<ModelDef, Vec<ModelError>>> {
    models_in_items(&file.items)
}

/// [`models_in_file`] of some of a file's items.
pub fn models_in_items(items: &[syn::Item]) -> Vec<Result<ModelDef, Vec<ModelError>>> {
    let mut out = Vec::new();
    derived(items, "Model", &mut out);
    out.iter().filter(|i| matches!(i.data, syn::Data::Struct(_))).map(ModelDef::from_ast).collect()
}

/// Parses Rust source `text` as `syn::parse_file` does (a byte order mark, a shebang and the
/// inner attributes passed over), giving each top-level item to `each` as it is parsed and
/// dropping it after: the syntax tree of a whole file, mostly attributes, is several times the
/// size of what the models keep of it (at 4000 models in one file, about 100 MB at once).
pub fn each_item(text: &str, mut each: impl FnMut(&syn::Item)) -> syn::Result<()> {
    let mut text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(rest) = text.strip_prefix("#!")
        && !rest.trim_start().starts_with('[')
    {
        // The line ending stays, so lines keep their numbers.
        text = text.find('\n').map_or("", |at| &text[at..]);
    }
    syn::parse::Parser::parse_str(
        |input: syn::parse::ParseStream| {
            input.call(syn::Attribute::parse_inner)?;
            while !input.is_empty() {
                each(&input.parse()?);
            }
            Ok(())
        },
        text,
    )
}

/// The tables described by the models in `paths` (Rust files, or directories searched for
/// them), lowercased, read without parsing the models (see [`described::described_in`]). A
/// file that is not Rust tokens is passed over: rustc reports it better.
pub fn described_tables(paths: &[std::path::PathBuf]) -> std::collections::BTreeSet<String> {
    let mut files = Vec::new();
    for p in paths {
        rust_files(p, &mut files);
    }
    files.sort();
    files.dedup();
    let mut tables = std::collections::BTreeSet::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        // Only a file that names `Model` can derive it.
        if !text.contains("Model") {
            continue;
        }
        tables.extend(described::described_in(&text).into_iter().flatten().map(|t| t.to_ascii_lowercase()));
    }
    tables
}

/// Collects the `.rs` files under `path` (a file, or a directory searched without its hidden
/// directories and `target/`), as the derive and the CLI look for models.
pub fn rust_files(path: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_file() {
        if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.to_owned());
        }
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let hidden =
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.') || n == "target");
        if !hidden {
            rust_files(&p, out);
        }
    }
}

/// The structs and enums of `items` (and of the modules inline in them) that derive `name`.
fn derived(items: &[syn::Item], name: &str, out: &mut Vec<syn::DeriveInput>) {
    for item in items {
        match item {
            syn::Item::Struct(s) if derives(&s.attrs, name) => out.push(s.clone().into()),
            syn::Item::Enum(e) if derives(&e.attrs, name) => out.push(e.clone().into()),
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    derived(items, name, out);
                }
            }
            _ => {}
        }
    }
}

/// Whether `attrs` derive `name`, also through `cfg_attr(..., derive(...))`.
fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    fn in_list(tokens: proc_macro2::TokenStream, name: &str) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == name,
            proc_macro2::TokenTree::Group(g) => in_list(g.stream(), name),
            _ => false,
        })
    }
    attrs.iter().any(|a| {
        (a.path().is_ident("derive") || a.path().is_ident("cfg_attr"))
            && matches!(&a.meta, syn::Meta::List(l) if in_list(l.tokens.clone(), name))
    })
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("UserProfile"), "user_profile");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("Item2Tag"), "item2_tag");
    }

    /// Item by item, a file gives the models `syn::parse_file` gives, at the same lines, past a
    /// byte order mark, a shebang and inner attributes; a file that does not parse is an error.
    #[test]
    fn each_item_reads_what_parse_file_reads() {
        let text = "\u{feff}#!/usr/bin/env run-cargo-script\n#![allow(dead_code)]\nuse strata::Model;\n\n#[derive(Model)]\nstruct A { id: i64 }\n\nmod inner {\n    #[derive(strata::Model)]\n    struct B {\n        #[strata(unknown)]\n        id: i64,\n    }\n}\n";
        let whole = super::models_in_file(&syn::parse_file(text).expect("parses"));
        let mut items = Vec::new();
        super::each_item(text, |i| items.extend(super::models_in_items(std::slice::from_ref(i))))
            .expect("parses");
        let tables = |ms: &[Result<super::ModelDef, Vec<super::ModelError>>]| -> Vec<String> {
            ms.iter()
                .map(|m| {
                    m.as_ref()
                        .map_or_else(|e| format!("line {}", e[0].span.start().line), |m| m.table.clone())
                })
                .collect()
        };
        assert_eq!(tables(&items), ["a", "line 11"]);
        assert_eq!(tables(&items), tables(&whole));
        assert!(super::each_item("struct A {", |_| {}).is_err());
    }
}
