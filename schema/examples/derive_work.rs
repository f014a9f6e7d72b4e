//! The work `#[derive(Model)]` does per model, outside the compiler, for profiling it at the
//! opt-level users build proc macros with (`bench/derive_overhead.sh` measures the build):
//! parse each struct of a models file, read its attributes, build its table, compare it with
//! the replayed migrations, and write the tokens the derive emits.
//!
//! `cargo run -p strata-schema --example derive_work -- <models.rs> <migrations dir>`

use quote::ToTokens;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(models), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("usage: derive_work <models.rs> <migrations dir>");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(models).expect("reads the models");
    let file = syn::parse_file(&text).expect("parses the models");
    // What rustc hands each derive: the item's tokens.
    let items: Vec<proc_macro2::TokenStream> = file.items.iter().map(ToTokens::to_token_stream).collect();
    let started = std::time::Instant::now();
    let replayed = strata_schema::cache::replayed(std::path::Path::new(dir));
    let replayed = replayed.as_ref().as_ref().expect("replays");
    let replay = started.elapsed();
    let dialect = replayed.set.config.dialect;
    let (mut parse, mut read, mut table, mut compare) = Default::default();
    let mut count = 0;
    for tokens in items {
        let t = std::time::Instant::now();
        let Ok(input) = syn::parse2::<syn::DeriveInput>(tokens) else { continue };
        parse += t.elapsed();
        let t = std::time::Instant::now();
        let Ok(model) = strata_schema::ModelDef::from_ast(&input) else { continue };
        read += t.elapsed();
        let t = std::time::Instant::now();
        let of_enum = |f: &strata_schema::model::FieldDef| {
            strata_schema::EnumType::in_migrations(dialect, &replayed.schema, &model, f)
        };
        let target = model.to_table_with(dialect, &of_enum).expect("a table");
        table += t.elapsed();
        let t = std::time::Instant::now();
        let differences = strata_schema::diff::reported(strata_schema::diff::compare(
            dialect,
            &strata_schema::diff::MODEL_VS_MIGRATIONS,
            &target,
            model.renamed_from.as_deref(),
            &[],
            &replayed.schema,
        ));
        let _ = model.dangling_references(&replayed.schema, &Default::default());
        compare += t.elapsed();
        assert!(differences.is_empty(), "{}: {differences:?}", model.table);
        count += 1;
    }
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!(
        "{count} models; replay {:.1} ms; per model: parse {:.3} ms, attributes {:.3} ms, table {:.3} ms, compare {:.3} ms",
        ms(replay),
        ms(parse) / f64::from(count),
        ms(read) / f64::from(count),
        ms(table) / f64::from(count),
        ms(compare) / f64::from(count),
    );
}
