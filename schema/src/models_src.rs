//! Writing a schema as `#[derive(Model)]` structs: what adopting an existing database needs,
//! and how the benchmarks get models that match a history exactly.

use std::fmt::Write;

use crate::schema::Table;
use crate::{Dialect, Schema, types};

/// Rust source with one model per table of `schema`, each pinned to its exact SQL type.
///
/// Foreign keys over several columns cannot be said on a model yet, and are left out.
pub fn rust_models(dialect: Dialect, schema: &Schema, migrations: Option<&str>) -> String {
    let mut out = String::from("use strata::Model;\n");
    for t in schema.tables.values() {
        out.push('\n');
        model(&mut out, dialect, t, migrations);
    }
    out
}

fn model(out: &mut String, d: Dialect, t: &Table, migrations: Option<&str>) {
    let q = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut attrs = vec![format!("table = \"{}\"", q(&t.name))];
    if let Some(m) = migrations {
        attrs.push(format!("migrations = \"{}\"", q(m)));
    }
    let pk: Vec<String> = t.primary_key.iter().flat_map(|p| p.columns.clone()).collect();
    if pk.len() > 1 {
        attrs.push(format!("primary_key({})", pk.join(", ")));
    }
    for u in t.uniques.iter().filter(|u| u.columns.len() > 1) {
        attrs.push(format!("unique(columns({}))", u.columns.join(", ")));
    }
    for i in t.indexes.iter().filter(|i| !i.expression && i.predicate.is_none()) {
        let unique = if i.unique { ", unique" } else { "" };
        attrs.push(format!("index(columns({}), name = \"{}\"{unique})", i.columns.join(", "), q(&i.name)));
    }
    for c in &t.checks {
        attrs.push(format!("check = \"{}\"", q(&c.expr)));
    }
    let _ = writeln!(out, "#[derive(Model)]");
    for a in attrs {
        let _ = writeln!(out, "#[strata({a})]");
    }
    let _ = writeln!(out, "pub struct {} {{", camel(&t.name));
    for c in &t.columns {
        let mut attrs = Vec::new();
        if pk.len() == 1 && pk[0].eq_ignore_ascii_case(&c.name) {
            attrs.push("primary_key".to_owned());
            // SQLite's rowid is assigned whether or not the model says so.
            if c.auto_increment && !(d == Dialect::Sqlite && c.ty != "integer") {
                attrs.push("auto_increment".into());
            }
        }
        if t.uniques.iter().any(|u| u.columns.len() == 1 && u.columns[0].eq_ignore_ascii_case(&c.name)) {
            attrs.push("unique".into());
        }
        if let Some(f) =
            t.foreign_keys.iter().find(|f| f.columns.len() == 1 && f.columns[0].eq_ignore_ascii_case(&c.name))
        {
            attrs.push(format!("references = \"{}({})\"", q(&f.ref_table), f.ref_columns.join(", ")));
            if f.on_delete != crate::Action::NoAction {
                attrs.push(format!("on_delete = \"{}\"", f.on_delete.sql().to_ascii_lowercase()));
            }
            if f.on_update != crate::Action::NoAction {
                attrs.push(format!("on_update = \"{}\"", f.on_update.sql().to_ascii_lowercase()));
            }
        }
        if let Some(default) = &c.default {
            attrs.push(format!("default = \"{}\"", q(default)));
        }
        attrs.push(format!("sql_type = \"{}\"", q(&crate::render::sql_type(&c.ty))));
        let rust = rust_type(&c.ty);
        let ty = if c.nullable { format!("Option<{rust}>") } else { rust.to_owned() };
        let _ = writeln!(out, "    #[strata({})]", attrs.join(", "));
        let _ = writeln!(out, "    pub {}: {ty},", field_name(&c.name));
    }
    let _ = writeln!(out, "}}");
}

fn rust_type(ty: &str) -> &'static str {
    if types::is_integer(ty) {
        "i64"
    } else if matches!(ty, "boolean" | "bool" | "tinyint(1)") {
        "bool"
    } else if matches!(ty, "real" | "double precision" | "double" | "float") {
        "f64"
    } else {
        "String"
    }
}

/// `user_profiles` -> `UserProfiles`.
fn camel(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map_or(String::new(), |f| f.to_uppercase().collect::<String>() + c.as_str())
        })
        .collect()
}

fn field_name(column: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if",
        "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "static",
        "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await",
        "dyn", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
        "virtual", "yield", "try", "gen",
    ];
    let lower = column.to_ascii_lowercase();
    if lower == column && KEYWORDS.contains(&column) { format!("r#{column}") } else { column.to_owned() }
}
