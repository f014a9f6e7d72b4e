//! Writing a schema as `#[derive(Model)]` structs: what adopting an existing database needs,
//! and how the benchmarks get models that match a history exactly.

use std::fmt::Write;

use crate::schema::Table;
use crate::{Dialect, Schema, types};

/// Rust source with one model per table of `schema`, named in the singular (`users` ->
/// `User`), each field of a Rust type sqlx decodes the column into, and `sql_type` written
/// only where that type does not already say the column's exact type.
///
/// Foreign keys over several columns cannot be said on a model yet, and are left out.
pub fn rust_models(dialect: Dialect, schema: &Schema, migrations: Option<&str>) -> String {
    let mut out = String::from("use strata::Model;\n");
    let names: Vec<String> = schema.tables.values().map(|t| struct_name(&t.name)).collect();
    for (t, name) in schema.tables.values().zip(&names) {
        // Two tables whose singulars meet keep their plural names.
        let name =
            if names.iter().filter(|n| *n == name).count() > 1 { camel(&t.name) } else { name.clone() };
        out.push('\n');
        model(&mut out, dialect, t, &name, migrations);
    }
    out
}

fn model(out: &mut String, d: Dialect, t: &Table, name: &str, migrations: Option<&str>) {
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
    let _ = writeln!(out, "pub struct {name} {{");
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
        let rust = rust_type(d, &c.ty);
        // The type the Rust type implies, or with a length (`String` with `max_length`).
        let implied = |max: Option<u32>| {
            types::rust_to_sql(d, rust, max).is_some_and(|sql| types::canonical(d, &sql) == c.ty)
        };
        let length = types::varchar_length(&c.ty);
        if implied(None) {
        } else if rust == "String" && length.is_some_and(|n| implied(Some(n))) {
            attrs.push(format!("max_length = {}", length.unwrap_or_default()));
        } else {
            attrs.push(format!("sql_type = \"{}\"", q(&crate::render::sql_type(&c.ty))));
        }
        let ty = if c.nullable { format!("Option<{rust}>") } else { rust.to_owned() };
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[strata({})]", attrs.join(", "));
        }
        let _ = writeln!(out, "    pub {}: {ty},", field_name(&c.name));
    }
    let _ = writeln!(out, "}}");
}

/// The Rust type sqlx decodes a column of canonical type `ty` into (its integer and float
/// widths exactly: sqlx does not decode PostgreSQL's `integer` into `i64`); `String` for the
/// types strata has no Rust type for here.
fn rust_type(d: Dialect, ty: &str) -> &'static str {
    match (d, ty) {
        (Dialect::Postgres, "smallint") => "i16",
        (Dialect::Postgres, "integer") => "i32",
        (Dialect::Postgres, "bigint") => "i64",
        (Dialect::Postgres, "real") => "f32",
        (Dialect::Postgres, "double precision") => "f64",
        (Dialect::Postgres, "bytea") => "Vec<u8>",
        (Dialect::Mysql, "tinyint(1)") => "bool",
        (Dialect::Mysql, "tinyint") => "i8",
        (Dialect::Mysql, "tinyint unsigned") => "u8",
        (Dialect::Mysql, "smallint") => "i16",
        (Dialect::Mysql, "smallint unsigned") => "u16",
        (Dialect::Mysql, "mediumint" | "int") => "i32",
        (Dialect::Mysql, "mediumint unsigned" | "int unsigned") => "u32",
        (Dialect::Mysql, "bigint") => "i64",
        (Dialect::Mysql, "bigint unsigned") => "u64",
        (Dialect::Mysql, "float") => "f32",
        (Dialect::Mysql, "double") => "f64",
        (Dialect::Mysql, "blob" | "tinyblob" | "mediumblob" | "longblob") => "Vec<u8>",
        (Dialect::Sqlite, "integer") => "i64",
        (Dialect::Sqlite, "real") => "f64",
        (Dialect::Sqlite, "blob") => "Vec<u8>",
        (_, "boolean") => "bool",
        _ => "String",
    }
}

/// The struct for a table: its name in the singular, in CamelCase (`user_profiles` ->
/// `UserProfile`), with `Row` after a name the prelude already holds (`Box`, `Option`...).
fn struct_name(table: &str) -> String {
    let mut parts: Vec<&str> =
        table.split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty()).collect();
    let last = parts.pop().map(singular).unwrap_or_default();
    let name = camel(&format!("{}_{last}", parts.join("_")));
    if matches!(
        name.as_str(),
        "Box" | "Option" | "Result" | "String" | "Vec" | "Some" | "None" | "Ok" | "Err" | "Model" | "Self"
    ) {
        format!("{name}Row")
    } else {
        name
    }
}

/// An English plural made singular, as table names use them (`categories`, `addresses`,
/// `people`); a word that is not a plain plural stays as it is (`status`, `data`, `news`).
fn singular(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let keep = |n: usize| word[..word.len() - n].to_owned();
    for (plural, one) in [("people", "person"), ("children", "child"), ("men", "man"), ("women", "woman")] {
        if lower == plural {
            return one.to_owned();
        }
    }
    if lower.ends_with("ies") && lower.len() > 4 && !lower.ends_with("series") {
        return format!("{}y", keep(3));
    }
    if ["sses", "xes", "ches", "shes", "zzes"].iter().any(|e| lower.ends_with(e)) {
        return keep(2);
    }
    let invariant = ["ss", "us", "is", "news", "series", "species", "data"];
    if lower.ends_with('s') && !invariant.iter().any(|e| lower.ends_with(e)) && lower.len() > 1 {
        return keep(1);
    }
    word.to_owned()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn replayed(dialect: Dialect, sql: &str) -> Schema {
        let mut schema = Schema::default();
        crate::replay::apply_sql(dialect, &mut schema, std::path::Path::new("t.sql"), sql).expect("replays");
        schema
    }

    #[test]
    fn tables_are_named_in_the_singular() {
        for (table, name) in [
            ("users", "User"),
            ("user_profiles", "UserProfile"),
            ("categories", "Category"),
            ("addresses", "Address"),
            ("boxes", "BoxRow"),
            ("people", "Person"),
            ("status", "Status"),
            ("news", "News"),
            ("series", "Series"),
            ("access", "Access"),
            ("user", "User"),
        ] {
            assert_eq!(struct_name(table), name, "{table}");
        }
    }

    #[test]
    fn sql_type_is_written_only_where_the_rust_type_does_not_say_it() {
        let schema = replayed(
            Dialect::Postgres,
            "CREATE TABLE users (id INTEGER PRIMARY KEY, big BIGINT NOT NULL, small SMALLINT, email VARCHAR(255) NOT NULL, at TIMESTAMPTZ, body TEXT);",
        );
        let src = rust_models(Dialect::Postgres, &schema, None);
        assert!(src.contains("pub struct User {"), "{src}");
        assert!(src.contains("    #[strata(primary_key)]\n    pub id: i32,"), "{src}");
        assert!(src.contains("    pub big: i64,"), "{src}");
        assert!(src.contains("    pub small: Option<i16>,"), "{src}");
        assert!(src.contains("    #[strata(max_length = 255)]\n    pub email: String,"), "{src}");
        assert!(
            src.contains("    #[strata(sql_type = \"TIMESTAMPTZ\")]\n    pub at: Option<String>,"),
            "{src}"
        );
        assert!(src.contains("    pub body: Option<String>,"), "{src}");
        assert!(!src.contains("sql_type = \"INTEGER\"") && !src.contains("sql_type = \"TEXT\""), "{src}");
        // Two tables that meet in the singular keep their plurals.
        let schema = replayed(Dialect::Sqlite, "CREATE TABLE user (a INT); CREATE TABLE users (a INT);");
        let src = rust_models(Dialect::Sqlite, &schema, None);
        assert!(src.contains("pub struct User {") && src.contains("pub struct Users {"), "{src}");
    }
}
