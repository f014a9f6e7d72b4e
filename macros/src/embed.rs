//! `embed_migrations!()`: resolve, check the whole history, write it into the binary.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::quote;
use strata_schema::migrations::Layout;
use strata_schema::{MigrationSet, cache};

use crate::resolve::{self, Dir};

pub fn expand(input: TokenStream, caller: Option<&Path>) -> syn::Result<TokenStream> {
    let given: Option<syn::LitStr> = if input.is_empty() {
        None
    } else {
        let span = input.clone().into_iter().next().map_or(Span::call_site(), |t| t.span());
        Some(syn::parse2(input).map_err(|_| {
            syn::Error::new(
                span,
                "`embed_migrations!` takes the migrations directory as a string literal, like `embed_migrations!(\"migrations\")`, or nothing for `migrations/`",
            )
        })?)
    };
    let span = given.as_ref().map_or(Span::call_site(), syn::LitStr::span);
    let value = given.as_ref().map(syn::LitStr::value);
    let dir = resolve::migrations_dir(
        value.as_deref().map(|v| (v, span)),
        caller,
        span,
        "`embed_migrations!`",
        "`embed_migrations!(\"path\")`",
    )?;
    let replayed = cache::replayed(&dir.path);
    let replayed = match replayed.as_ref() {
        Ok(r) => r,
        Err(e) => return Err(syn::Error::new(span, dir.load_error(e, "`embed_migrations!`"))),
    };
    let set = &replayed.set;
    let mut errors: Vec<syn::Error> =
        missing_downs(set, &dir).into_iter().map(|m| syn::Error::new(span, m)).collect();
    errors
        .extend(unmodeled(set, &replayed.schema, &dir, caller).into_iter().map(|m| syn::Error::new(span, m)));
    errors.extend(strata_schema::integrity::check(set).into_iter().map(|m| syn::Error::new(span, m)));
    let mut errors = errors.into_iter();
    if let Some(mut first) = errors.next() {
        for e in errors {
            first.combine(e);
        }
        return Err(first);
    }
    Ok(migrator(set))
}

/// The errors, as statements of a block that still has the type the caller expects: several
/// `compile_error!`s side by side are not an expression, and a missing value would add errors
/// of its own.
pub fn fallback(e: syn::Error) -> TokenStream {
    let errors = e.into_compile_error();
    quote! {
        {
            #errors
            ::strata::Migrator::new(&[])
        }
    }
}

/// A reversible migration (sqlx's `.up.sql`, a diesel folder) needs its down file.
fn missing_downs(set: &MigrationSet, dir: &Dir) -> Vec<String> {
    set.migrations
        .iter()
        .filter(|m| m.down.is_none() && m.layout != Layout::SqlxSimple)
        .map(|m| {
            let down = match m.layout {
                Layout::Diesel => m.up.path.with_file_name("down.sql"),
                _ => m.up.path.with_file_name(format!("{}.down.sql", m.name())),
            };
            let shown = down.strip_prefix(&dir.path).map_or(down.clone(), |p| PathBuf::from(&dir.shown).join(p));
            format!(
                "migration `{}` has no down file: write `{}`, even if it only says why the change cannot be undone",
                m.name(),
                shown.display()
            )
        })
        .collect()
}

/// Tables the history creates that no model of this crate describes and `strata.toml` does not
/// leave to someone else.
fn unmodeled(
    set: &MigrationSet,
    schema: &strata_schema::Schema,
    dir: &Dir,
    caller: Option<&Path>,
) -> Vec<String> {
    let mut sources: Vec<PathBuf> = caller.map(Path::to_owned).into_iter().collect();
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) {
        sources.push(manifest.join("src"));
    }
    sources.extend(set.config.models.iter().map(|m| dir.path.join(m)));
    let described = strata_schema::model::described_tables(&sources);
    schema
        .tables
        .values()
        .filter(|t| !described.contains(&t.name.to_ascii_lowercase()) && !set.config.is_unmanaged(&t.name))
        .map(|t| {
            format!(
                "table `{}` is created by the migrations in `{}`, but no model describes it: add a `#[derive(Model)]` struct with `#[strata(table = \"{}\")]`, or list it under `unmanaged` in `{}strata.toml` if another application owns it",
                t.name, dir.shown, t.name, dir.shown
            )
        })
        .collect()
}

fn migrator(set: &MigrationSet) -> TokenStream {
    let migrations = set.migrations.iter().map(|m| {
        let (version, text, description) = (m.version_number, &m.version, &m.description);
        let up = m.up.path.display().to_string();
        let down = match &m.down {
            Some(d) => {
                let path = d.path.display().to_string();
                quote!(::core::option::Option::Some(::core::include_str!(#path)))
            }
            None => quote!(::core::option::Option::None),
        };
        let checksum = m.checksum.iter();
        // The same bytes hashed, unless a line ends in `\r\n`: one hash per file at compile time.
        let sqlx_checksum = if m.up.sql.contains('\r') {
            strata_schema::migrations::sqlx_checksum(&m.up.sql)
        } else {
            m.checksum
        };
        let sqlx_checksum = sqlx_checksum.iter();
        let (no_transaction, down_no_transaction) = (m.no_transaction, m.down_no_transaction);
        quote! {
            ::strata::migrate::Migration {
                version: #version,
                version_text: #text,
                description: #description,
                up: ::core::include_str!(#up),
                down: #down,
                checksum: [#(#checksum),*],
                sqlx_checksum: [#(#sqlx_checksum),*],
                no_transaction: #no_transaction,
                down_no_transaction: #down_no_transaction,
            }
        }
    });
    let config = [strata_schema::CONFIG_FILE, strata_schema::integrity::INTEGRITY_FILE]
        .into_iter()
        .map(|f| set.dir.join(f))
        .filter(|p| p.is_file())
        .map(|p| p.display().to_string());
    let unmanaged = set.config.unmanaged.iter();
    let effects = set.config.effects.iter().filter_map(|e| {
        let (version, line) = (e.up_version()?, e.line);
        let sql = match &e.sql {
            Some(s) => quote!(::core::option::Option::Some(#s)),
            None => quote!(::core::option::Option::None),
        };
        Some(quote!((#version, #line, #sql)))
    });
    let dialect = match set.config.dialect {
        strata_schema::Dialect::Sqlite => quote!(::strata::schema::Dialect::Sqlite),
        strata_schema::Dialect::Postgres => quote!(::strata::schema::Dialect::Postgres),
        strata_schema::Dialect::Mysql => quote!(::strata::schema::Dialect::Mysql),
    };
    quote! {
        {
            #( const _: &str = ::core::include_str!(#config); )*
            ::strata::Migrator::new(&[#(#migrations),*])
                .with_unmanaged(&[#(#unmanaged),*])
                .with_dialect(#dialect)
                .with_effects(&[#(#effects),*])
        }
    }
}
