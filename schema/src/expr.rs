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
    let d = dialect.parser_dialect();
    let parsed = Parser::new(&*d).try_with_sql(sql).and_then(|mut p| p.parse_expr());
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
    let d = dialect.parser_dialect();
    let mut parser = Parser::new(&*d).try_with_sql(sql).map_err(|e| clean(e.to_string()))?;
    let expr = parser.parse_expr().map_err(|e| clean(e.to_string()))?;
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return Err(format!("unexpected `{}` after the expression", parser.peek_token().token));
    }
    Ok(normalize_ast(dialect, expr))
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

    #[test]
    fn renamed_columns_are_renamed_in_expressions() {
        assert_eq!(
            rename_identifier("price < 10 and price_cap > 'price'", "price", "cost"),
            "cost < 10 and price_cap > 'price'"
        );
        assert_eq!(rename_identifier("lower(name)", "name", "title"), "lower(title)");
    }
}
