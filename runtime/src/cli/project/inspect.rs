//! `strata models` and `strata erd`: the schema written as Rust models, and drawn.

use std::fmt::Write;

use strata_schema::Schema;

use super::Project;
use crate::cli::Failure;

/// `#[derive(Model)]` structs for every table the migrations build (unmanaged ones left out):
/// how an existing project adopts strata.
pub fn models_from_migrations(project: &Project) -> Result<String, Failure> {
    let mut schema = project.replayed()?;
    schema.tables.retain(|_, t| !project.config().is_unmanaged(&t.name));
    Ok(strata_schema::models_src::rust_models(project.dialect(), &schema, None))
}

/// `#[derive(Model)]` structs for every table of a live database (`url`, or `DATABASE_URL`),
/// the tables `unmanaged` names (strata.toml's, when there is a project) left out.
pub async fn models_from_database(url: Option<&str>, unmanaged: &[String]) -> Result<String, Failure> {
    let url = crate::cli::db::database_url(url)?;
    let (dialect, mut schema) = crate::cli::db::introspect(&url).await?;
    schema.tables.retain(|_, t| !strata_schema::is_unmanaged(unmanaged, &t.name));
    Ok(strata_schema::models_src::rust_models(dialect, &schema, None))
}

/// How `erd` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Mermaid `erDiagram` (GitHub and GitLab render it in Markdown)
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`)
    Dot,
}

/// The schema as an entity-relationship diagram.
pub fn erd(schema: &Schema, format: Format) -> String {
    match format {
        Format::Mermaid => mermaid(schema),
        Format::Dot => dot(schema),
    }
}

fn keys(t: &strata_schema::Table, column: &str) -> Vec<&'static str> {
    let mentions = |cols: &[String]| cols.iter().any(|c| c.eq_ignore_ascii_case(column));
    let mut k = Vec::new();
    if t.is_primary_key_column(column) {
        k.push("PK");
    }
    if t.foreign_keys.iter().any(|f| mentions(&f.columns)) {
        k.push("FK");
    }
    if t.uniques.iter().any(|u| u.columns.len() == 1 && mentions(&u.columns)) {
        k.push("UK");
    }
    k
}

fn mermaid(schema: &Schema) -> String {
    let word = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '(' | ')' | '-') { c } else { '_' })
            .collect()
    };
    let mut out = String::from("erDiagram\n");
    for t in schema.tables.values() {
        let _ = writeln!(out, "    {} {{", word(&t.name));
        for c in &t.columns {
            let ty = word(&strata_schema::render::sql_type(&c.ty));
            let keys = keys(t, &c.name).join(", ");
            let null = if c.nullable { " \"nullable\"" } else { "" };
            let _ = writeln!(out, "        {ty} {} {keys}{null}", word(&c.name));
        }
        let _ = writeln!(out, "    }}");
    }
    for t in schema.tables.values() {
        for f in &t.foreign_keys {
            let optional = f.columns.iter().any(|c| t.column(c).is_some_and(|c| c.nullable));
            let one = if optional { "o|" } else { "||" };
            let _ = writeln!(
                out,
                "    {} }}o--{one} {} : \"{}\"",
                word(&t.name),
                word(&f.ref_table),
                f.columns.join(", ")
            );
        }
    }
    out
}

fn dot(schema: &Schema) -> String {
    let esc = |s: &str| -> String {
        s.chars()
            .flat_map(|c| match c {
                '{' | '}' | '|' | '<' | '>' | '"' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect()
    };
    let mut out =
        String::from("digraph schema {\n    rankdir=LR;\n    node [shape=record, fontname=\"Helvetica\"];\n");
    for t in schema.tables.values() {
        let columns: Vec<String> = t
            .columns
            .iter()
            .map(|c| {
                let keys = keys(t, &c.name);
                let keys = if keys.is_empty() { String::new() } else { format!(" [{}]", keys.join(", ")) };
                let null = if c.nullable { "" } else { " NOT NULL" };
                format!("{} {}{null}{keys}\\l", esc(&c.name), esc(&strata_schema::render::sql_type(&c.ty)))
            })
            .collect();
        let _ =
            writeln!(out, "    \"{}\" [label=\"{{{}|{}}}\"];", esc(&t.name), esc(&t.name), columns.join(""));
    }
    for t in schema.tables.values() {
        for f in &t.foreign_keys {
            let _ = writeln!(
                out,
                "    \"{}\" -> \"{}\" [label=\"{}\"];",
                esc(&t.name),
                esc(&f.ref_table),
                esc(&f.columns.join(", "))
            );
        }
    }
    out.push_str("}\n");
    out
}
