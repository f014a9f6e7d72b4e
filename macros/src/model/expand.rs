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

/// The model's `impl Model`: `tables` is its table in each directory's dialect, the first
/// directory's first (`TABLE`); with more than one, `TABLES` has each.
pub fn model_impl(
    input: &syn::DeriveInput,
    model: &ModelDef,
    tables: &[(strata_schema::Dialect, Table)],
) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let definition = crate::lex(&table_def(model, &tables[0].1), "a `TableDef`");
    let each = if tables.len() > 1 {
        let text = tables
            .iter()
            .map(|(d, t)| {
                format!("(::strata::schema::Dialect::{}, &{})", dialect_variant(*d), table_def(model, t))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let list = crate::lex(&format!("&[{text}]"), "the `TableDef`s");
        quote! {
            const TABLES: &'static [(::strata::schema::Dialect, &'static ::strata::TableDef)] = #list;
        }
    } else {
        quote!()
    };
    let register = if input.generics.params.is_empty() {
        quote! {
            ::strata::__private::inventory::submit! {
                ::strata::__private::Registration(<#ident as ::strata::Model>::TABLE, <#ident as ::strata::Model>::TABLES)
            }
        }
    } else {
        quote!()
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::strata::Model for #ident #ty_generics #where_clause {
            const TABLE: &'static ::strata::TableDef = &#definition;
            #each
        }
        const _: () = {
            #register
        };
    }
}

fn dialect_variant(d: strata_schema::Dialect) -> &'static str {
    match d {
        strata_schema::Dialect::Sqlite => "Sqlite",
        strata_schema::Dialect::Postgres => "Postgres",
        strata_schema::Dialect::Mysql => "Mysql",
    }
}

/// The model's `TableDef` as Rust, for the compiler to lex ([`crate::lex`]).
pub(crate) fn table_def(model: &ModelDef, table: &Table) -> String {
    use crate::literal as l;
    use std::fmt::Write;
    let list = |items: &[String]| items.iter().map(|c| l(c)).collect::<Vec<_>>().join(", ");
    let mut out = String::with_capacity(200 * table.columns.len() + 300);
    let _ = write!(
        out,
        "::strata::TableDef {{ name: {}, model: {}, columns: &[",
        l(&table.name),
        l(&model.ident.to_string())
    );
    for c in &table.columns {
        let field = model.field_by_column(&c.name).map(|f| f.ident.to_string()).unwrap_or_default();
        let default = crate::optional_literal(c.default.as_deref());
        let _ = write!(
            out,
            "::strata::ColumnDef {{ name: {}, field: {}, sql_type: {}, nullable: {}, default: {default}, auto_increment: {} }},",
            l(&c.name),
            l(&field),
            l(&c.ty),
            c.nullable,
            c.auto_increment
        );
    }
    let pk: Vec<String> = table.primary_key.iter().flat_map(|p| p.columns.iter().cloned()).collect();
    let _ = write!(out, "], primary_key: &[{}], uniques: &[", list(&pk));
    for u in &table.uniques {
        let _ = write!(out, "&[{}],", list(&u.columns));
    }
    out.push_str("], indexes: &[");
    for i in &table.indexes {
        let _ =
            write!(out, "::strata::IndexDef {{ name: {}, columns: &[{}] }},", l(&i.name), list(&i.columns));
    }
    out.push_str("], foreign_keys: &[");
    for f in &table.foreign_keys {
        let _ = write!(
            out,
            "::strata::ForeignKeyDef {{ columns: &[{}], ref_table: {}, ref_columns: &[{}], on_delete: {}, on_update: {} }},",
            list(&f.columns),
            l(&f.ref_table),
            list(&f.ref_columns),
            l(f.on_delete.sql()),
            l(f.on_update.sql())
        );
    }
    out.push_str("], checks: &[");
    for c in &table.checks {
        let _ = write!(out, "{},", l(&c.expr));
    }
    out.push_str("] }");
    out
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

#[cfg(test)]
mod tests {
    use strata_schema::{Action, Check, Column, ForeignKey, Index, PrimaryKey, Unique};

    /// What the compiler lexes is Rust, whatever the names, types, defaults and checks hold.
    #[test]
    fn the_table_def_text_is_rust() {
        let odd = "it's \"odd\" \\ \n\u{0} é \u{301} 🦀";
        let o = || odd.to_owned();
        let model = strata_schema::ModelDef::from_ast(&syn::parse_quote! {
            struct r#type { id: i64 }
        })
        .expect("a model");
        let mut table = strata_schema::Table::new(odd);
        table.columns = vec![Column {
            name: "id".into(),
            ty: o(),
            nullable: true,
            default: Some(o()),
            auto_increment: false,
        }];
        table.primary_key = Some(PrimaryKey { name: None, columns: vec![o()] });
        table.uniques = vec![Unique { name: None, columns: vec![o(), o()] }];
        table.indexes = vec![Index {
            name: o(),
            columns: vec![o()],
            unique: false,
            expression: true,
            predicate: None,
            generated: false,
        }];
        table.foreign_keys = vec![ForeignKey {
            name: None,
            columns: vec![o()],
            ref_table: o(),
            ref_columns: vec![o()],
            on_delete: Action::Cascade,
            on_update: Action::NoAction,
            column: None,
        }];
        table.checks = vec![Check { name: None, expr: o(), column: None }];
        let strings = crate::tests::strings(&super::table_def(&model, &table));
        assert_eq!(strings.iter().filter(|s| *s == odd).count(), 12, "{strings:?}");
        assert!(
            strings.iter().any(|s| s == "r#type") && strings.iter().any(|s| s == "CASCADE"),
            "{strings:?}"
        );
    }
}
