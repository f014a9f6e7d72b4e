//! The tokens `#[derive(Model)]` writes: the `Model` impl, its registration, the includes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use proc_macro2::TokenStream;
use quote::quote;
use strata_schema::{MigrationSet, ModelDef, Table};

/// An impl with an empty table, so that a model with errors shows those errors and no others.
pub fn fallback(input: &syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let name = ident.to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::strata::Model for #ident #ty_generics #where_clause {
            const TABLE: &'static ::strata::TableDef = &::strata::TableDef {
                name: "",
                model: #name,
                columns: &[],
                primary_key: &[],
                uniques: &[],
                indexes: &[],
                foreign_keys: &[],
                checks: &[],
            };
        }
    }
}

pub fn model_impl(input: &syn::DeriveInput, model: &ModelDef, table: &Table) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let name = &table.name;
    let model_name = ident.to_string();
    let columns = table.columns.iter().map(|c| {
        let field = model.field_by_column(&c.name).map(|f| f.ident.to_string()).unwrap_or_default();
        let (cname, ty, nullable, auto) = (&c.name, &c.ty, c.nullable, c.auto_increment);
        let default = match &c.default {
            Some(d) => quote!(::core::option::Option::Some(#d)),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            ::strata::ColumnDef { name: #cname, field: #field, sql_type: #ty, nullable: #nullable, default: #default, auto_increment: #auto }
        }
    });
    let pk: Vec<&String> = table.primary_key.iter().flat_map(|p| &p.columns).collect();
    let uniques = table.uniques.iter().map(|u| {
        let cols = &u.columns;
        quote!(&[#(#cols),*])
    });
    let indexes = table.indexes.iter().map(|i| {
        let (iname, cols) = (&i.name, &i.columns);
        quote!(::strata::IndexDef { name: #iname, columns: &[#(#cols),*] })
    });
    let fks = table.foreign_keys.iter().map(|f| {
        let (cols, rt, rc) = (&f.columns, &f.ref_table, &f.ref_columns);
        let (od, ou) = (f.on_delete.sql(), f.on_update.sql());
        quote!(::strata::ForeignKeyDef { columns: &[#(#cols),*], ref_table: #rt, ref_columns: &[#(#rc),*], on_delete: #od, on_update: #ou })
    });
    let checks = table.checks.iter().map(|c| &c.expr);
    let register = if input.generics.params.is_empty() {
        quote! {
            ::strata::__private::inventory::submit! {
                ::strata::__private::Registration(<#ident as ::strata::Model>::TABLE)
            }
        }
    } else {
        quote!()
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::strata::Model for #ident #ty_generics #where_clause {
            const TABLE: &'static ::strata::TableDef = &::strata::TableDef {
                name: #name,
                model: #model_name,
                columns: &[#(#columns),*],
                primary_key: &[#(#pk),*],
                uniques: &[#(#uniques),*],
                indexes: &[#(#indexes),*],
                foreign_keys: &[#(#fks),*],
                checks: &[#(#checks),*],
            };
        }
        const _: () = {
            #register
        };
    }
}

/// A constant that fails to evaluate, at the field, when the Rust enum of a `db_enum` field
/// does not have the values (on PostgreSQL, the name) the migrations give its column.
pub fn enum_assertion(
    model: &ModelDef,
    f: &strata_schema::model::FieldDef,
    dialect: strata_schema::Dialect,
    e: &strata_schema::EnumType,
) -> TokenStream {
    let ty = &f.ty;
    let rust = f.type_name();
    let values = &e.values;
    let at = format!("`{}.{}`", model.table, f.column);
    let help =
        format!("run `strata generate -m \"change {}\"` to write the migration that changes them", f.column);
    let message = format!(
        "enum `{rust}` does not have the values the migrations give {at}: ({})\n= help: {help}",
        strata_schema::model::enum_values_sql(values)
    );
    let name = (dialect == strata_schema::Dialect::Postgres).then(|| {
        let n = &e.name;
        let message = format!(
            "enum `{rust}` is not the PostgreSQL type `{n}` that the migrations give {at}\n= help: name it so: `#[strata(name = \"{n}\")]` on the enum"
        );
        quote::quote_spanned! {f.ty_span()=>
            if !::strata::__private::same_name(<#ty as ::strata::DbEnum>::NAME, #n) {
                ::core::panic!("{}", #message);
            }
        }
    });
    quote::quote_spanned! {f.ty_span()=>
        const _: () = {
            if !::strata::__private::same_values(<#ty as ::strata::DbEnum>::VALUES, &[#(#values),*]) {
                ::core::panic!("{}", #message);
            }
            #name
        };
    }
}

/// The `DbEnum` impl of an enum: its database name and values, as constants.
pub fn db_enum_impl(e: &strata_schema::EnumDef) -> TokenStream {
    let ident = &e.ident;
    let (name, values) = (&e.name, &e.values);
    quote! {
        #[automatically_derived]
        impl ::strata::DbEnum for #ident {
            const NAME: &'static str = #name;
            const VALUES: &'static [&'static str] = &[#(#values),*];
        }
    }
}

/// Directories whose files this compiler process already included.
static INCLUDED: LazyLock<Mutex<HashSet<PathBuf>>> = LazyLock::new(Mutex::default);

/// `include_str!` of every file the check read, so that editing one rebuilds the crate. The
/// first model of a crate to read a directory includes it; once is enough for the compiler.
pub fn includes(dir: &Path, set: Option<&MigrationSet>) -> TokenStream {
    let first = INCLUDED.lock().map(|mut seen| seen.insert(dir.to_owned())).unwrap_or(true);
    if !first {
        return TokenStream::new();
    }
    let mut files: Vec<PathBuf> =
        set.map(|s| s.files().into_iter().map(Path::to_owned).collect()).unwrap_or_default();
    let config = dir.join(strata_schema::CONFIG_FILE);
    if config.is_file() {
        files.push(config);
    }
    let files: Vec<&str> = files.iter().filter_map(|f| f.to_str()).collect();
    let count = files.len();
    // One constant for them all: rustc evaluates each constant item on its own.
    quote! {
        const _: [&str; #count] = [#( ::core::include_str!(#files) ),*];
    }
}
