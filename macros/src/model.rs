//! `#[derive(Model)]`: read the struct, resolve and replay the migrations, compare, expand.

mod drift;
mod expand;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use strata_schema::ModelDef;

pub fn expand(input: &DeriveInput, caller: Option<&std::path::Path>) -> TokenStream {
    let model = match ModelDef::from_ast(input) {
        Ok(m) => m,
        Err(errors) => {
            let mut out = expand::fallback(input);
            out.extend(errors_to_tokens(errors.into_iter().map(strata_schema::ModelError::into_syn)));
            return out;
        }
    };
    crate::embed::derived(&model.table);
    let given = model.migrations.as_ref().map(|(p, s)| (p.as_str(), *s));
    let subject = format!("model `{}`", model.ident);
    let naming = "`#[strata(migrations = \"path\")]`";
    let dir = match crate::resolve::migrations_dir(given, caller, model.ident.span(), &subject, naming) {
        Ok(dir) => dir,
        Err(e) => {
            let mut out = expand::fallback(input);
            out.extend(e.to_compile_error());
            return out;
        }
    };
    let (before, started) = (strata_schema::cache::replay_count(), std::time::Instant::now());
    let replayed = strata_schema::cache::replayed(&dir.path);
    // `STRATA_TRACE=1 cargo build` says when the migrations are replayed: once per compiler
    // process, however many models (a diagnostic switch; cargo does not rebuild when it changes).
    if std::env::var_os("STRATA_TRACE").is_some() && strata_schema::cache::replay_count() != before {
        let count = replayed.as_ref().as_ref().map_or(0, |r| r.set.migrations.len());
        eprintln!(
            "strata: replayed `{}` ({count} migrations) for model `{}` in {:.1} ms",
            dir.path.display(),
            model.ident,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    let replayed = match replayed.as_ref() {
        Ok(r) => r,
        Err(e) => {
            let mut out = expand::fallback(input);
            let message = dir.load_error(e, &subject);
            out.extend(
                syn::Error::new(given.map_or(model.ident.span(), |g| g.1), message).to_compile_error(),
            );
            out.extend(expand::includes(&dir.path, None));
            return out;
        }
    };
    let dialect = replayed.set.config.dialect;
    // A `db_enum` field takes its values from the migrations; rustc then compares them with
    // the Rust enum, which this derive cannot see.
    let of_enum = |f: &strata_schema::model::FieldDef| {
        strata_schema::EnumType::in_migrations(dialect, &replayed.schema, &model, f)
    };
    let table = match model.to_table_with(dialect, &of_enum) {
        Ok(t) => t,
        Err(errors) => {
            let mut out = expand::fallback(input);
            out.extend(errors_to_tokens(errors.into_iter().map(strata_schema::ModelError::into_syn)));
            out.extend(expand::includes(&dir.path, Some(&replayed.set)));
            return out;
        }
    };
    // The other directories of the same models (`also` in strata.toml), each in its dialect.
    let mut tables = vec![(dialect, table.clone())];
    let mut others = TokenStream::new();
    for other in crate::resolve::also_dirs(&dir, &replayed.set.config) {
        let loaded = strata_schema::cache::replayed(&other.path);
        match loaded.as_ref() {
            Err(e) => {
                let message = format!(
                    "{} (`also` in `{}strata.toml` names it)",
                    other.load_error(e, &subject),
                    dir.shown
                );
                others.extend(syn::Error::new(model.ident.span(), message).to_compile_error());
                others.extend(expand::includes(&other.path, None));
            }
            Ok(r) => {
                let d = r.set.config.dialect;
                let of_enum = |f: &strata_schema::model::FieldDef| {
                    strata_schema::EnumType::in_migrations(d, &r.schema, &model, f)
                };
                match model.to_table_with(d, &of_enum) {
                    Ok(t) => {
                        others.extend(errors_to_tokens(drift::check(&model, &t, r, &other)));
                        tables.push((d, t));
                    }
                    Err(errors) => others.extend(errors_to_tokens(
                        errors.into_iter().map(strata_schema::ModelError::into_syn),
                    )),
                }
                others.extend(expand::includes(&other.path, Some(&r.set)));
            }
        }
    }
    let mut out = expand::model_impl(input, &model, &tables);
    out.extend(
        model
            .fields
            .iter()
            .filter(|f| f.db_enum.is_some())
            .filter_map(|f| of_enum(f).ok().map(|e| expand::enum_assertion(&model, f, dialect, &e))),
    );
    out.extend(expand::includes(&dir.path, Some(&replayed.set)));
    let errors = drift::check(&model, &table, replayed, &dir);
    out.extend(errors_to_tokens(errors));
    out.extend(others);
    out
}

pub fn expand_db_enum(input: &DeriveInput) -> TokenStream {
    match strata_schema::EnumDef::from_ast(input) {
        Ok(e) => expand::db_enum_impl(&e),
        Err(errors) => errors_to_tokens(errors.into_iter().map(strata_schema::ModelError::into_syn)),
    }
}

fn errors_to_tokens(errors: impl IntoIterator<Item = syn::Error>) -> TokenStream {
    errors.into_iter().map(|e| e.to_compile_error()).collect()
}
