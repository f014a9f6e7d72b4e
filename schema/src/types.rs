//! Type spelling: the canonical form of an SQL type per dialect, and the mapping of Rust types.
//!
//! The same [`canonical`] function reads a type from a migration, from a database's catalog and
//! from a model, so aliases (`INT4`/`integer`, `character varying`/`varchar`, `int(11)`/`int`)
//! never show up as drift.

use crate::Dialect;

/// The canonical spelling of `raw` in `dialect`, lowercase, arguments kept where they matter.
///
/// SQLite compares by storage class rather than by name, since it enforces neither lengths nor
/// most type names: every integer type is `integer`, every character type `text`, and so on.
pub fn canonical(dialect: Dialect, raw: &str) -> String {
    let t = squash(raw);
    if let Some(elem) = t.strip_suffix("[]") {
        return format!("{}[]", canonical(dialect, elem));
    }
    let (base, args, rest) = split_args(&t);
    match dialect {
        Dialect::Sqlite => sqlite(&t, base),
        Dialect::Postgres => postgres(&t, base, args, rest),
        Dialect::Mysql => mysql(&t, base, args, rest),
    }
}

/// Lowercases and collapses white space, keeping quoted text (enum labels) as written.
fn squash(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quote = None;
    let mut space = false;
    for c in raw.trim().chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                if space && !out.ends_with(['(', ',']) {
                    out.push(' ');
                }
                space = false;
                quote = Some(c);
                out.push(c);
            }
            None if c.is_whitespace() => space = !out.is_empty(),
            None => {
                if space && !matches!(c, '(' | ')' | ',') && !out.ends_with(['(', ',']) {
                    out.push(' ');
                }
                space = false;
                out.push(c.to_ascii_lowercase());
            }
        }
    }
    out
}

/// Splits `varchar(255) binary` into (`varchar`, Some(`255`), `binary`).
fn split_args(t: &str) -> (&str, Option<&str>, &str) {
    match (t.find('('), t.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            (t[..open].trim_end(), Some(&t[open + 1..close]), t[close + 1..].trim())
        }
        _ => (t, None, ""),
    }
}

fn sqlite(t: &str, base: &str) -> String {
    // SQLite's own affinity rules (datatype3.html §3.1), with the names sqlx gives meaning to
    // (BOOLEAN, DATE, TIME, DATETIME) kept apart.
    let name = base.trim_end_matches(" unsigned");
    if matches!(name, "boolean" | "bool") {
        "boolean".into()
    } else if matches!(name, "datetime" | "timestamp" | "timestamptz") {
        "datetime".into()
    } else if matches!(name, "date" | "time") {
        name.into()
    } else if name.contains("int") {
        "integer".into()
    } else if name.contains("char") || name.contains("clob") || name.contains("text") {
        "text".into()
    } else if name.contains("blob") || name.is_empty() {
        "blob".into()
    } else if name.contains("real") || name.contains("floa") || name.contains("doub") {
        "real".into()
    } else if matches!(name, "numeric" | "decimal") {
        "numeric".into()
    } else {
        t.into()
    }
}

fn postgres(t: &str, base: &str, args: Option<&str>, rest: &str) -> String {
    let with_args = |name: &str| match args {
        Some(a) => format!("{name}({})", a.replace(' ', "")),
        None => name.to_owned(),
    };
    let tz = |name: &str, with: &str| {
        // `timestamp(3) with time zone`: the precision sits between the name and the zone.
        let zone = if rest.is_empty() { base.strip_prefix(name).unwrap_or("").trim() } else { rest };
        let name = match zone {
            "with time zone" => with,
            _ => name,
        };
        with_args(name)
    };
    match base {
        "int2" | "smallint" | "smallserial" | "serial2" => "smallint".into(),
        "int" | "int4" | "integer" | "serial" | "serial4" => "integer".into(),
        "int8" | "bigint" | "bigserial" | "serial8" => "bigint".into(),
        "float4" | "real" => "real".into(),
        "float8" | "double precision" | "double" => "double precision".into(),
        "float" => match args.and_then(|a| a.trim().parse::<u32>().ok()) {
            Some(p) if p <= 24 => "real".into(),
            _ => "double precision".into(),
        },
        "numeric" | "decimal" | "dec" => with_args("numeric"),
        "bool" | "boolean" => "boolean".into(),
        "varchar" | "character varying" | "char varying" => with_args("varchar"),
        "char" | "character" | "bpchar" => {
            if args.is_some() {
                with_args("char")
            } else {
                "char(1)".into()
            }
        }
        "timestamptz" => with_args("timestamptz"),
        "timetz" => with_args("timetz"),
        b if b.starts_with("timestamp") => tz("timestamp", "timestamptz"),
        b if b.starts_with("time") => tz("time", "timetz"),
        "json" | "jsonb" | "text" | "bytea" | "uuid" | "date" | "interval" | "inet" | "cidr" => base.into(),
        _ => t.into(),
    }
}

fn mysql(t: &str, base: &str, args: Option<&str>, rest: &str) -> String {
    let unsigned = rest.split_whitespace().any(|w| w == "unsigned") || base.ends_with(" unsigned");
    let base = base.trim_end_matches(" unsigned").trim_end_matches(" signed");
    let sign = if unsigned { " unsigned" } else { "" };
    let with_args = |name: &str| match args {
        Some(a) => format!("{name}({})", a.replace(' ', "")),
        None => name.to_owned(),
    };
    match base {
        "bool" | "boolean" => "tinyint(1)".into(),
        "tinyint" if args == Some("1") && !unsigned => "tinyint(1)".into(),
        // Display widths (`int(11)`) change nothing about the stored values.
        "tinyint" | "smallint" | "mediumint" | "bigint" => format!("{base}{sign}"),
        "int" | "integer" => format!("int{sign}"),
        "float" if args.is_none() => format!("float{sign}"),
        "double" | "double precision" | "real" => format!("double{sign}"),
        "decimal" | "numeric" | "dec" | "fixed" => {
            let a = match args.map(|a| a.replace(' ', "")) {
                None => "10,0".to_owned(),
                Some(a) if !a.contains(',') => format!("{a},0"),
                Some(a) => a,
            };
            format!("decimal({a}){sign}")
        }
        "datetime" | "timestamp" | "time" => match args.map(str::trim) {
            None | Some("0") => base.into(),
            Some(_) => with_args(base),
        },
        "char" if args.is_none() => "char(1)".into(),
        "binary" if args.is_none() => "binary(1)".into(),
        "varchar" | "char" | "binary" | "varbinary" | "bit" | "year" => with_args(base),
        "json" | "text" | "tinytext" | "mediumtext" | "longtext" | "blob" | "tinyblob" | "mediumblob"
        | "longblob" | "date" => base.into(),
        _ => t.into(),
    }
}

/// The length of a canonical `varchar(n)`.
pub fn varchar_length(ty: &str) -> Option<u32> {
    ty.strip_prefix("varchar(")?.strip_suffix(')')?.trim().parse().ok()
}

/// Whether `raw` names an integer type, in any dialect.
pub fn is_integer(ty: &str) -> bool {
    let t = squash(ty);
    let base = split_args(&t).0.trim_end_matches(" unsigned");
    matches!(
        base,
        "integer" | "int" | "int2" | "int4" | "int8" | "smallint" | "bigint" | "tinyint" | "mediumint"
    )
}

/// Whether every value of canonical type `from` fits `to` unchanged: a longer string, a wider
/// integer, anything into unbounded text. Everything else may fail or lose data.
pub fn widens(from: &str, to: &str) -> bool {
    let (fb, fa, fs) = split_args(from);
    let (tb, ta, ts) = split_args(to);
    let (fb, tb) = (format!("{fb} {fs}"), format!("{tb} {ts}"));
    let (fb, tb) = (fb.trim(), tb.trim());
    let rank = |b: &str| match b.trim_end_matches(" unsigned") {
        "tinyint" => Some(1),
        "smallint" | "int2" => Some(2),
        "mediumint" => Some(3),
        "integer" | "int" | "int4" => Some(4),
        "bigint" | "int8" => Some(5),
        _ => None,
    };
    let text = |b: &str| matches!(b, "text" | "mediumtext" | "longtext" | "clob");
    let string = |b: &str| matches!(b, "varchar" | "character varying" | "char" | "character") || text(b);
    let len = |a: Option<&str>| a.and_then(|a| a.trim().parse::<u64>().ok());
    if let (Some(f), Some(t)) = (rank(fb), rank(tb)) {
        return f <= t && (fb.ends_with(" unsigned") == tb.ends_with(" unsigned") || f < t);
    }
    if string(fb) && text(tb) {
        return true;
    }
    if string(fb) && string(tb) {
        return matches!((len(fa), len(ta)), (Some(f), Some(t)) if f <= t);
    }
    if fb == "enum" && tb == "enum" {
        let (f, t) = (enum_values(fa.unwrap_or_default()), enum_values(ta.unwrap_or_default()));
        return f.iter().all(|v| t.contains(v));
    }
    fb == tb && fa == ta
}

/// The values of a MySQL `enum('a','b')` type, from what is inside its parentheses.
pub fn enum_values(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = args.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' => value.extend(chars.next()),
                c => value.push(c),
            }
        }
        out.push(value);
    }
    out
}

/// A value of canonical type `ty` for rows that must hold one and have none to give: what a
/// down writes into a NOT NULL column it brings back after the up dropped it with its values.
/// `None` for a type without an obvious empty value (an enum, a domain).
pub fn placeholder(dialect: Dialect, ty: &str) -> Option<&'static str> {
    let (base, _, _) = split_args(ty);
    let base = base.trim_end_matches(" unsigned").trim();
    Some(match base {
        _ if is_integer(base) => "0",
        "tinyint(1)" | "boolean" | "bool" => match dialect {
            Dialect::Postgres => "false",
            _ => "0",
        },
        "real" | "double" | "double precision" | "float" | "float4" | "float8" | "numeric" | "decimal" => "0",
        "text" | "mediumtext" | "longtext" | "tinytext" | "clob" | "varchar" | "character varying"
        | "char" | "character" | "nvarchar" | "nchar" => "''",
        "date" => "'1970-01-01'",
        "time" => "'00:00:00'",
        "datetime"
        | "timestamp"
        | "timestamptz"
        | "timestamp with time zone"
        | "timestamp without time zone" => "'1970-01-01 00:00:00'",
        "uuid" => "'00000000-0000-0000-0000-000000000000'",
        "json" | "jsonb" => "'null'",
        "blob" | "bytea" | "binary" | "varbinary" | "mediumblob" | "longblob" => match dialect {
            Dialect::Sqlite => "X''",
            Dialect::Postgres => "'\\x'",
            Dialect::Mysql => "''",
        },
        _ => return None,
    })
}

/// The SQL type of a Rust type, by its last path segment, for `dialect`.
///
/// `max_length` turns strings into `VARCHAR(n)`. Returns `None` for a type strata does not
/// know; the caller asks the user for `sql_type`.
pub fn rust_to_sql(dialect: Dialect, rust: &str, max_length: Option<u32>) -> Option<String> {
    use Dialect::*;
    let d = dialect;
    let t = match rust {
        "i8" => pick(d, "INTEGER", "SMALLINT", "TINYINT"),
        "u8" => pick(d, "INTEGER", "SMALLINT", "TINYINT UNSIGNED"),
        "i16" => pick(d, "INTEGER", "SMALLINT", "SMALLINT"),
        "u16" => pick(d, "INTEGER", "INTEGER", "SMALLINT UNSIGNED"),
        "i32" => pick(d, "INTEGER", "INTEGER", "INT"),
        "u32" => pick(d, "INTEGER", "BIGINT", "INT UNSIGNED"),
        "i64" => pick(d, "INTEGER", "BIGINT", "BIGINT"),
        "u64" => match d {
            Mysql => "BIGINT UNSIGNED",
            // Neither SQLite nor PostgreSQL has an unsigned 64-bit type.
            _ => return None,
        },
        "f32" => pick(d, "REAL", "REAL", "FLOAT"),
        "f64" => pick(d, "REAL", "DOUBLE PRECISION", "DOUBLE"),
        "bool" => pick(d, "BOOLEAN", "BOOLEAN", "BOOLEAN"),
        "String" | "str" => {
            return Some(match (d, max_length) {
                (Sqlite, None) => "TEXT".into(),
                (_, Some(n)) => format!("VARCHAR({n})"),
                (Postgres, None) => "TEXT".into(),
                (Mysql, None) => "TEXT".into(),
            });
        }
        "Vec<u8>" => pick(d, "BLOB", "BYTEA", "BLOB"),
        "NaiveDateTime" | "PrimitiveDateTime" => pick(d, "DATETIME", "TIMESTAMP", "DATETIME"),
        "DateTime" | "OffsetDateTime" => pick(d, "DATETIME", "TIMESTAMPTZ", "TIMESTAMP"),
        "NaiveDate" | "Date" => pick(d, "DATE", "DATE", "DATE"),
        "NaiveTime" | "Time" => pick(d, "TIME", "TIME", "TIME"),
        "Uuid" => pick(d, "BLOB", "UUID", "BINARY(16)"),
        "Decimal" => pick(d, "NUMERIC", "NUMERIC", "DECIMAL(65,30)"),
        "Value" | "JsonValue" | "Json" => pick(d, "TEXT", "JSONB", "JSON"),
        _ => return None,
    };
    Some(t.to_owned())
}

fn pick(d: Dialect, sqlite: &'static str, pg: &'static str, my: &'static str) -> &'static str {
    match d {
        Dialect::Sqlite => sqlite,
        Dialect::Postgres => pg,
        Dialect::Mysql => my,
    }
}

/// Words that must be quoted when used as an identifier in generated SQL.
pub fn is_reserved_word(w: &str) -> bool {
    const WORDS: &[&str] = &[
        "add",
        "all",
        "alter",
        "and",
        "as",
        "asc",
        "between",
        "by",
        "case",
        "check",
        "column",
        "constraint",
        "create",
        "cross",
        "current_date",
        "current_time",
        "current_timestamp",
        "default",
        "delete",
        "desc",
        "distinct",
        "drop",
        "else",
        "end",
        "exists",
        "foreign",
        "from",
        "full",
        "group",
        "having",
        "in",
        "index",
        "inner",
        "insert",
        "into",
        "is",
        "join",
        "key",
        "left",
        "like",
        "limit",
        "not",
        "null",
        "of",
        "offset",
        "on",
        "or",
        "order",
        "outer",
        "primary",
        "references",
        "right",
        "select",
        "set",
        "table",
        "then",
        "to",
        "union",
        "unique",
        "update",
        "user",
        "using",
        "values",
        "when",
        "where",
        "with",
    ];
    WORDS.contains(&w.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Dialect::*;

    #[test]
    fn aliases_meet() {
        let same = |d, a, b| assert_eq!(canonical(d, a), canonical(d, b), "{a} vs {b} on {d}");
        same(Postgres, "INT4", "integer");
        same(Postgres, "character varying(255)", "VARCHAR(255)");
        same(Postgres, "timestamp without time zone", "TIMESTAMP");
        same(Postgres, "timestamp with time zone", "timestamptz");
        same(Postgres, "TIMESTAMP(3) WITH TIME ZONE", "timestamptz(3)");
        same(Postgres, "bpchar", "char(1)");
        same(Postgres, "INTEGER[]", "int4[]");
        same(Mysql, "int(11)", "INTEGER");
        same(Mysql, "bigint(20) unsigned", "BIGINT UNSIGNED");
        same(Mysql, "BOOLEAN", "tinyint(1)");
        same(Mysql, "decimal", "decimal(10,0)");
        same(Mysql, "DATETIME(0)", "datetime");
        same(Sqlite, "VARCHAR(255)", "text");
        same(Sqlite, "BIGINT", "INTEGER");
        same(Sqlite, "TIMESTAMP", "DATETIME");
    }

    #[test]
    fn differences_stay() {
        assert_ne!(canonical(Postgres, "varchar(10)"), canonical(Postgres, "varchar(20)"));
        assert_ne!(canonical(Mysql, "tinyint(1)"), canonical(Mysql, "tinyint"));
        assert_ne!(canonical(Mysql, "int unsigned"), canonical(Mysql, "int"));
        assert_ne!(canonical(Sqlite, "boolean"), canonical(Sqlite, "integer"));
        assert_eq!(canonical(Mysql, "enum('a','B')"), "enum('a','B')");
        assert_eq!(canonical(Mysql, "ENUM('a', 'B')"), "enum('a','B')");
    }
}
