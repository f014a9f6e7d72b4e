//! Normalised SQL expressions for defaults, checks and index predicates.
//!
//! Databases give an expression back in their own spelling (`'a'::text`, `(0)::numeric`,
//! `current_timestamp()`, `now()`); normalising both sides through the same parser makes the
//! spellings meet.

use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, CastKind, Expr, Value, visit_expressions_mut};
use sqlparser::parser::Parser;

use crate::Dialect;

/// The normalised text of `sql`, or `None` for `NULL`.
pub fn normalize(dialect: Dialect, sql: &str) -> Option<String> {
    if sql.len() > LONG {
        return crate::par::deep(|| normalize_here(dialect, sql));
    }
    normalize_here(dialect, sql)
}

/// Past this many bytes an expression may nest deeper than a small stack takes: it is read on
/// a thread with a large one.
const LONG: usize = 256;

fn normalize_here(dialect: Dialect, sql: &str) -> Option<String> {
    let d = dialect.parser_dialect();
    let parsed = Parser::new(&*d)
        .with_recursion_limit(crate::par::NESTING)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr());
    match parsed {
        Ok(expr) => normalize_ast(dialect, expr),
        Err(_) => Some(lower_outside_quotes(sql.trim())),
    }
}

/// Normalises an expression already parsed from a migration.
pub fn normalize_ast(dialect: Dialect, mut expr: Expr) -> Option<String> {
    let _ = visit_expressions_mut(&mut expr, |e| {
        simplify(dialect, e);
        ControlFlow::<()>::Continue(())
    });
    simplify(dialect, &mut expr);
    if let Expr::Value(v) = &expr
        && v.value == Value::Null
    {
        return None;
    }
    Some(lower_outside_quotes(&expr.to_string()))
}

fn simplify(dialect: Dialect, e: &mut Expr) {
    loop {
        let replacement = match e {
            Expr::Nested(inner) => Some((**inner).clone()),
            // An interval literal is stored as a value, in PostgreSQL's output style:
            // `interval '24 hours'` and `'24 hours'::interval` read back `'24:00:00'::interval`.
            Expr::Interval(iv)
                if dialect == Dialect::Postgres && iv.leading_field.is_none() && iv.last_field.is_none() =>
            {
                interval_value(&iv.value)
            }
            Expr::Cast {
                kind: CastKind::DoubleColon,
                expr,
                data_type: sqlparser::ast::DataType::Interval { .. },
                ..
            } if dialect == Dialect::Postgres => interval_value(expr),
            // PostgreSQL's catalog writes `'a'::text`, `(0)::numeric`: a literal cast to the
            // column's type says nothing the column's type does not.
            Expr::Cast { kind: CastKind::DoubleColon, expr, .. }
                if matches!(**expr, Expr::Value(_) | Expr::UnaryOp { .. }) =>
            {
                Some((**expr).clone())
            }
            // PostgreSQL writes `lower(email::text)` for `lower(email)` on a varchar column:
            // the cast to text of a column is implied.
            Expr::Cast { kind: CastKind::DoubleColon, expr, data_type, .. }
                if dialect == Dialect::Postgres
                    && matches!(**expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
                    && matches!(
                        data_type,
                        sqlparser::ast::DataType::Text
                            | sqlparser::ast::DataType::Varchar(_)
                            | sqlparser::ast::DataType::CharacterVarying(_)
                    ) =>
            {
                Some((**expr).clone())
            }
            // PostgreSQL's catalog writes `x IN ('a', 'b')` as `x = ANY (ARRAY['a', 'b'])`, and
            // `NOT IN` as `<> ALL (...)`.
            Expr::AnyOp { left, compare_op: BinaryOperator::Eq, right, .. }
                if dialect == Dialect::Postgres =>
            {
                array_elements(right).map(|list| Expr::InList { expr: left.clone(), list, negated: false })
            }
            Expr::AllOp { left, compare_op: BinaryOperator::NotEq, right }
                if dialect == Dialect::Postgres =>
            {
                array_elements(right).map(|list| Expr::InList { expr: left.clone(), list, negated: true })
            }
            // ... and a list of one as a plain comparison: `x IN ('a')` reads back `x = 'a'`.
            Expr::InList { expr, list, negated } if dialect == Dialect::Postgres && list.len() == 1 => {
                let op = if *negated { BinaryOperator::NotEq } else { BinaryOperator::Eq };
                Some(Expr::BinaryOp { left: expr.clone(), op, right: Box::new(list[0].clone()) })
            }
            Expr::Value(v) => {
                match &v.value {
                    Value::SingleQuotedString(s) if looks_numeric(s) => {
                        v.value = Value::Number(s.clone(), false);
                    }
                    // MySQL reads `"x"` as the string 'x' (without ANSI_QUOTES), and its
                    // catalog writes it back single-quoted.
                    Value::DoubleQuotedString(s) if dialect == Dialect::Mysql => {
                        v.value = if looks_numeric(s) {
                            Value::Number(s.clone(), false)
                        } else {
                            Value::SingleQuotedString(s.clone())
                        };
                    }
                    Value::Boolean(b) if dialect == Dialect::Mysql => {
                        v.value = Value::Number(if *b { "1" } else { "0" }.into(), false);
                    }
                    _ => {}
                }
                None
            }
            // PostgreSQL writes a function of the default schema without `public.`.
            Expr::Function(f)
                if dialect == Dialect::Postgres
                    && f.name.0.len() == 2
                    && f.name.0[0].as_ident().is_some_and(|i| i.value.eq_ignore_ascii_case("public")) =>
            {
                f.name.0.remove(0);
                continue;
            }
            Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_lowercase();
                if matches!(name.as_str(), "now" | "current_timestamp" | "localtimestamp")
                    && f.args.to_string().trim_matches(['(', ')', ' ']).is_empty()
                {
                    Some(Expr::Identifier(sqlparser::ast::Ident::new("CURRENT_TIMESTAMP")))
                } else {
                    None
                }
            }
            _ => None,
        };
        match replacement {
            Some(r) => *e = r,
            None => break,
        }
    }
}

/// A PostgreSQL default of a date, timestamp or interval column as the catalog writes it:
/// PostgreSQL turns the literal into a value when the default is set, so `'1970-01-01'` on a
/// timestamp reads back `'1970-01-01 00:00:00'`, `'epoch'` as that too, and `'24 hours'`
/// as `'24:00:00'`. `None` when the default is not such a literal (or not understood), and
/// it stays as written.
pub fn pg_typed_default(ty: &str, default: &str) -> Option<String> {
    let base = ty.split('(').next().unwrap_or(ty).trim();
    let literal = default
        .strip_prefix(&format!("{base} "))
        .or_else(|| default.strip_prefix("interval "))
        .unwrap_or(default);
    let text = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    if text.contains('\'') {
        return None;
    }
    let value = match base {
        "date" => match text.trim().to_ascii_lowercase().as_str() {
            "epoch" => "1970-01-01".to_owned(),
            t if is_date(t) => t.to_owned(),
            _ => return None,
        },
        "timestamp" => match text.trim().to_ascii_lowercase().as_str() {
            "epoch" => "1970-01-01 00:00:00".to_owned(),
            t if is_date(t) => format!("{t} 00:00:00"),
            t if t.len() > 10 && is_date(&t[..10]) && matches!(&t[10..11], " " | "t") => {
                format!("{} {}", &t[..10], pg_time_of_timestamp(&t[11..])?)
            }
            _ => return None,
        },
        "bytea" => pg_bytea_hex(text)?,
        "interval" => pg_interval(text)?,
        _ => return None,
    };
    Some(format!("'{value}'"))
}

/// The time of a `timestamp` (without time zone) literal as PostgreSQL prints it: a zone
/// written after it is dropped (such a column ignores it), seconds are added when missing and a
/// fraction loses its trailing zeros (`03:04` -> `03:04:00`, `00:00:01+00:00` -> `00:00:01`,
/// `05.250` -> `05.25`).
fn pg_time_of_timestamp(t: &str) -> Option<String> {
    let t = t.trim();
    let time = match t.strip_suffix('z') {
        Some(rest) => rest,
        None => match t.rfind(['+', '-']) {
            Some(at) if t[at + 1..].chars().all(|c| c.is_ascii_digit() || c == ':') => &t[..at],
            Some(_) => return None,
            None => t,
        },
    };
    let parts: Vec<&str> = time.trim().split(':').collect();
    let two = |p: &str| p.len() == 2 && p.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [h, m] if two(h) && two(m) => Some(format!("{h}:{m}:00")),
        [h, m, sec] if two(h) && two(m) => {
            let (whole, fraction) = sec.split_once('.').unwrap_or((sec, ""));
            if !two(whole) || !fraction.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let fraction = fraction.trim_end_matches('0');
            Some(if fraction.is_empty() {
                format!("{h}:{m}:{whole}")
            } else {
                format!("{h}:{m}:{whole}.{fraction}")
            })
        }
        _ => None,
    }
}

/// A `bytea` literal as PostgreSQL prints it: hex (`\x6162`), from the hex or escape form it
/// was written in (`''` -> `\x`, `'ab'` -> `\x6162`, `'\101'` -> `\x41`).
fn pg_bytea_hex(text: &str) -> Option<String> {
    let mut bytes: Vec<u8> = Vec::new();
    if let Some(hex) = text.strip_prefix("\\x").or_else(|| text.strip_prefix("\\X")) {
        let digits: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
        if !digits.len().is_multiple_of(2) || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        return Some(format!("\\x{}", digits.to_ascii_lowercase()));
    }
    let raw = text.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            bytes.push(raw[i]);
            i += 1;
        } else if raw.get(i + 1) == Some(&b'\\') {
            bytes.push(b'\\');
            i += 2;
        } else {
            let octal = raw.get(i + 1..i + 4)?;
            if !octal.iter().all(|c| (b'0'..=b'7').contains(c)) {
                return None;
            }
            let value = octal.iter().fold(0u32, |n, c| n * 8 + u32::from(c - b'0'));
            bytes.push(u8::try_from(value).ok()?);
            i += 4;
        }
    }
    Some(format!("\\x{}", crate::migrations::hex(&bytes)))
}

fn is_date(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// An interval in PostgreSQL's output style (`1 year 2 mons 3 days 04:05:06`), from the
/// `<number> <unit>` pairs and `HH:MM[:SS]` it was written with; `None` for anything else
/// (negative parts, ISO 8601, `ago`), which stays as written.
fn pg_interval(text: &str) -> Option<String> {
    let (mut months, mut days, mut micros) = (0i64, 0i64, 0i128);
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w.contains(':') {
            let parts: Vec<&str> = w.split(':').collect();
            let h: i128 = parts.first()?.parse().ok()?;
            let m: i128 = parts.get(1)?.parse().ok()?;
            let s: f64 = parts.get(2).map_or(Ok(0.0), |s| s.parse()).ok()?;
            if parts.len() > 3 || h < 0 || m < 0 || s < 0.0 {
                return None;
            }
            micros += (h * 3600 + m * 60) * 1_000_000 + (s * 1e6).round() as i128;
            i += 1;
            continue;
        }
        // `90minutes` or `90 minutes`.
        let split = w.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(w.len());
        let (number, unit) = if split == w.len() {
            i += 1;
            (w, *words.get(i)?)
        } else {
            (&w[..split], &w[split..])
        };
        let n: f64 = number.parse().ok()?;
        if n < 0.0 {
            return None;
        }
        let unit = unit.to_ascii_lowercase();
        let unit = match unit.as_str() {
            "ms" | "msec" | "msecs" => "millisecond",
            "us" | "usec" | "usecs" => "microsecond",
            u => u.trim_end_matches('s'),
        };
        match unit {
            "year" | "yr" | "y" => months += (n * 12.0).round() as i64,
            "month" | "mon" => {
                months += n.trunc() as i64;
                days += (n.fract() * 30.0).round() as i64;
            }
            "week" | "w" => {
                let d = n * 7.0;
                days += d.trunc() as i64;
                micros += (d.fract() * 86_400e6).round() as i128;
            }
            "day" | "d" => {
                days += n.trunc() as i64;
                micros += (n.fract() * 86_400e6).round() as i128;
            }
            "hour" | "hr" | "h" => micros += (n * 3_600e6).round() as i128,
            "minute" | "min" | "m" => micros += (n * 60e6).round() as i128,
            "second" | "sec" | "" => micros += (n * 1e6).round() as i128,
            "millisecond" => micros += (n * 1e3).round() as i128,
            "microsecond" => micros += n.round() as i128,
            _ => return None,
        }
        i += 1;
    }
    let mut out = Vec::new();
    let plural = |n: i64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    if months / 12 != 0 {
        out.push(plural(months / 12, "year"));
    }
    if months % 12 != 0 {
        out.push(plural(months % 12, "mon"));
    }
    if days != 0 {
        out.push(plural(days, "day"));
    }
    if micros != 0 || out.is_empty() {
        let secs = micros / 1_000_000;
        let frac = micros % 1_000_000;
        let mut t = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        if frac != 0 {
            t.push_str(format!(".{frac:06}").trim_end_matches('0'));
        }
        out.push(t);
    }
    Some(out.join(" "))
}

/// A string literal holding an interval, as PostgreSQL writes the value back.
fn interval_value(e: &Expr) -> Option<Expr> {
    let Expr::Value(v) = e else { return None };
    let Value::SingleQuotedString(s) = &v.value else { return None };
    let text = pg_interval(s).unwrap_or_else(|| s.clone());
    Some(Expr::Value(Value::SingleQuotedString(text).into()))
}

/// The elements of `ARRAY[...]`, however parenthesised.
fn array_elements(e: &Expr) -> Option<Vec<Expr>> {
    match e {
        Expr::Nested(inner) => array_elements(inner),
        Expr::Array(a) => Some(a.elem.clone()),
        _ => None,
    }
}

fn looks_numeric(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
        && s.chars().filter(|&c| c == '.').count() <= 1
        && !s.starts_with('.')
}

/// `expr` with each string literal equal to `from` (quotes included) replaced by `to`.
pub fn replace_literal(expr: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(start) = rest.find('\'') {
        out.push_str(&rest[..start]);
        // The literal runs to the next quote that is not doubled.
        let body = &rest[start + 1..];
        let mut end = None;
        let mut i = 0;
        let bytes = body.as_bytes();
        while i < bytes.len() {
            if bytes[i] == b'\'' {
                if bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                end = Some(i);
                break;
            }
            i += 1;
        }
        let Some(end) = end else {
            out.push_str(&rest[start..]);
            return out;
        };
        let lit = &rest[start..start + end + 2];
        out.push_str(if lit == from { to } else { lit });
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// Whether a normalised expression names the column `column` (outside string literals).
pub fn mentions(expr: &str, column: &str) -> bool {
    rename_identifier(expr, column, "\u{0}") != expr
}

/// Renames the column `from` to `to` wherever a normalised expression names it, as databases do
/// to checks, index expressions and partial-index predicates when a column is renamed.
pub fn rename_identifier(expr: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let flush = |word: &mut String, out: &mut String| {
        if word.eq_ignore_ascii_case(from) {
            out.push_str(to);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in expr.chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c.is_alphanumeric() || c == '_' => word.push(c),
            None => {
                flush(&mut word, &mut out);
                if c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Lowercases everything but quoted literals and quoted identifiers; drops identifier quotes.
pub(crate) fn lower_outside_quotes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                out.push(c);
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            out.push(chars.next().unwrap_or('\''));
                        } else {
                            break;
                        }
                    }
                }
            }
            '"' | '`' => {
                for c in chars.by_ref() {
                    if c == '"' || c == '`' {
                        break;
                    }
                    out.push(c);
                }
            }
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out.trim().to_owned()
}

/// Like [`normalize`], but an expression that does not parse is an error (for model input).
pub fn parse_normalized(dialect: Dialect, sql: &str) -> Result<Option<String>, String> {
    if sql.len() > LONG {
        return crate::par::deep(|| parse_normalized_here(dialect, sql));
    }
    parse_normalized_here(dialect, sql)
}

fn parse_normalized_here(dialect: Dialect, sql: &str) -> Result<Option<String>, String> {
    let d = dialect.parser_dialect();
    let mut parser = Parser::new(&*d)
        .with_recursion_limit(crate::par::NESTING)
        .try_with_sql(sql)
        .map_err(|e| clean(e.to_string()))?;
    let expr = parser.parse_expr().map_err(|e| clean(e.to_string()))?;
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return Err(format!("unexpected `{}` after the expression", parser.peek_token().token));
    }
    Ok(normalize_ast(dialect, expr))
}

/// The strings of a normalised `column IN ('a', 'b')`, the check that keeps a SQLite column
/// to an enum's values; `None` for any other expression.
pub fn in_list(dialect: Dialect, expr: &str, column: &str) -> Option<Vec<String>> {
    use sqlparser::ast::{Expr, Value};
    let d = dialect.parser_dialect();
    let parsed = Parser::new(&*d).try_with_sql(expr).ok()?.parse_expr().ok()?;
    let Expr::InList { expr, list, negated: false } = parsed else { return None };
    let named = match &*expr {
        Expr::Identifier(i) => i.value.eq_ignore_ascii_case(column),
        _ => false,
    };
    let strings = list.iter().map(|e| match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    });
    named.then(|| strings.collect()).flatten()
}

fn clean(message: String) -> String {
    message.trim_start_matches("sql parser error: ").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_spellings_meet_migration_spellings() {
        let pg = |s| normalize(Dialect::Postgres, s);
        assert_eq!(pg("'abc'::text"), pg("'abc'"));
        assert_eq!(pg("'-1'::integer"), pg("-1"));
        assert_eq!(pg("(0)::numeric"), pg("0"));
        assert_eq!(pg("now()"), pg("CURRENT_TIMESTAMP"));
        assert_eq!(pg("NULL::character varying"), None);
        assert_eq!(pg("'It''s'"), Some("'It''s'".into()));
        assert_ne!(pg("'A'"), pg("'a'"));
        let my = |s| normalize(Dialect::Mysql, s);
        assert_eq!(my("current_timestamp()"), my("CURRENT_TIMESTAMP"));
        assert_eq!(my("TRUE"), my("1"));
        assert_eq!(my("NULL"), None);
    }

    /// Measured on PostgreSQL 15: what the catalog says for each default as written.
    #[test]
    fn postgres_typed_defaults_read_as_the_catalog_writes_them() {
        let cases = [
            ("timestamp", "'1970-01-01'", Some("'1970-01-01 00:00:00'")),
            ("timestamp", "'epoch'", Some("'1970-01-01 00:00:00'")),
            ("timestamp", "'2020-02-03T04:05:06'", Some("'2020-02-03 04:05:06'")),
            ("date", "'epoch'", Some("'1970-01-01'")),
            ("interval", "'24 hours'", Some("'24:00:00'")),
            ("interval", "interval '90 minutes'", Some("'01:30:00'")),
            ("interval", "'1 day'", Some("'1 day'")),
            ("interval", "'2 weeks 3 days'", Some("'17 days'")),
            ("interval", "'1 year 14 months'", Some("'2 years 2 mons'")),
            ("interval", "'1.5 days'", Some("'1 day 12:00:00'")),
            ("interval", "'500 ms'", Some("'00:00:00.5'")),
            ("interval", "'1 day ago'", None),
            ("timestamp", "'1970-01-01 00:00:01+00:00'", Some("'1970-01-01 00:00:01'")),
            ("timestamp", "'2020-01-02 03:04:05.250-07'", Some("'2020-01-02 03:04:05.25'")),
            ("timestamp", "'2020-01-02T03:04:05Z'", Some("'2020-01-02 03:04:05'")),
            ("timestamp", "'2020-01-02 03:04'", Some("'2020-01-02 03:04:00'")),
            ("bytea", "''", Some("'\\x'")),
            ("bytea", "'ab\\\\c'", Some("'\\x61625c63'")),
            ("bytea", "'\\xDEAD'", Some("'\\xdead'")),
            ("bytea", "'\\101'", Some("'\\x41'")),
            ("timestamptz", "'1970-01-01'", None),
            ("text", "'epoch'", None),
        ];
        for (ty, written, catalog) in cases {
            assert_eq!(pg_typed_default(ty, written).as_deref(), catalog, "{ty} {written}");
        }
    }

    #[test]
    fn renamed_columns_are_renamed_in_expressions() {
        assert_eq!(
            rename_identifier("price < 10 and price_cap > 'price'", "price", "cost"),
            "cost < 10 and price_cap > 'price'"
        );
        assert_eq!(rename_identifier("lower(name)", "name", "title"), "lower(title)");
    }
}
