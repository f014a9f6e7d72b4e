//! Well-defined statements sqlparser cannot read as written, brought to a form it reads, with
//! what the form leaves out kept as a guard (measured on sqlparser 0.63). Token spans are kept,
//! so errors still point into the file.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Word};

use crate::Dialect;

/// What a rewritten statement still needs when it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Guard {
    None,
    /// `ALTER INDEX IF EXISTS`: nothing happens when the index does not exist.
    IfIndexExists,
    /// `ALTER TABLE t ALTER CONSTRAINT c ...` changes when a key is checked, not the schema;
    /// the table must have the constraint.
    Constraint {
        table: Word,
        name: Word,
        span: Span,
    },
}

/// Rewrites `tokens` in place where sqlparser would fail or misread them.
pub(super) fn rewrite(dialect: Dialect, tokens: &mut Vec<TokenWithSpan>) -> Guard {
    // Indexes of the word tokens, in order.
    let words: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.token, Token::Word(_)))
        .map(|(i, _)| i)
        .collect();
    let kw = |n: usize| match words.get(n).map(|&i| &tokens[i].token) {
        Some(Token::Word(w)) => w.keyword,
        _ => Keyword::NoKeyword,
    };
    if dialect == Dialect::Sqlite && kw(0) == Keyword::CREATE && (1..4).any(|n| kw(n) == Keyword::TABLE) {
        sqlite_constraint_commas(tokens);
        return Guard::None;
    }
    match (kw(0), kw(1), kw(2), kw(3)) {
        // `DROP INDEX CONCURRENTLY [IF EXISTS]`: how it is dropped, not what.
        (Keyword::DROP, Keyword::INDEX, Keyword::CONCURRENTLY, _) if dialect == Dialect::Postgres => {
            tokens.remove(words[2]);
            Guard::None
        }
        (Keyword::ALTER, Keyword::INDEX, Keyword::IF, Keyword::EXISTS) => {
            tokens.drain(words[2]..=words[3]);
            Guard::IfIndexExists
        }
        (Keyword::ALTER, Keyword::TABLE, _, _) => {
            let at = |k: Keyword| (2..words.len()).find(|&n| kw(n) == k);
            // PostgreSQL's `ALTER TABLE t ALTER CONSTRAINT c DEFERRABLE ...`, alone: with other
            // actions after a comma, sqlparser's refusal stands rather than losing them.
            let alone = !tokens.iter().any(|t| t.token == Token::Comma);
            if dialect == Dialect::Postgres
                && alone
                && let Some(n) =
                    (2..words.len()).find(|&n| kw(n) == Keyword::ALTER && kw(n + 1) == Keyword::CONSTRAINT)
                && let (Some(Token::Word(table)), Some(t)) =
                    (words.get(n - 1).map(|&i| &tokens[i].token), words.get(n + 2).map(|&i| &tokens[i]))
                && let Token::Word(name) = &t.token
            {
                return Guard::Constraint { table: table.clone(), name: name.clone(), span: t.span };
            }
            // MySQL's `ALTER TABLE t RENAME new_name`, without `TO`.
            if dialect == Dialect::Mysql
                && let Some(n) = at(Keyword::RENAME)
                && !matches!(
                    kw(n + 1),
                    Keyword::TO | Keyword::AS | Keyword::COLUMN | Keyword::INDEX | Keyword::KEY
                )
                && words.get(n + 1).is_some()
            {
                let span = tokens[words[n]].span;
                tokens.insert(words[n] + 1, TokenWithSpan { token: Token::make_keyword("TO"), span });
                tokens.insert(
                    words[n] + 1,
                    TokenWithSpan { token: Token::Whitespace(sqlparser::tokenizer::Whitespace::Space), span },
                );
            }
            Guard::None
        }
        _ => Guard::None,
    }
}

/// SQLite takes a table's constraints with or without commas between them (its grammar's
/// `tconscomma` may be empty): `FOREIGN KEY (a) REFERENCES x (id) CONSTRAINT f2 FOREIGN KEY ...`.
/// sqlparser wants the commas, so one is put where SQLite reads a new constraint: once the
/// constraints have begun, before each `CONSTRAINT`, `PRIMARY`, `UNIQUE`, `CHECK` or `FOREIGN`
/// at the table's own level that does not follow `CONSTRAINT <name>`.
fn sqlite_constraint_commas(tokens: &mut Vec<TokenWithSpan>) {
    let starts = |t: &Token| matches!(t, Token::Word(w) if matches!(w.keyword, Keyword::CONSTRAINT | Keyword::PRIMARY | Keyword::UNIQUE | Keyword::CHECK | Keyword::FOREIGN));
    let mut depth = 0usize;
    let mut item_start = false;
    let mut constraints = false;
    // The last two significant tokens at the table's level.
    let mut last: [Option<Token>; 2] = [None, None];
    let mut at = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::LParen => {
                depth += 1;
                if depth == 1 {
                    item_start = true;
                    continue;
                }
            }
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 1 => {
                item_start = true;
                last = [None, None];
                continue;
            }
            token if depth == 1 && starts(token) => {
                let named = matches!(&last[0], Some(Token::Word(w)) if w.keyword == Keyword::CONSTRAINT);
                if item_start {
                    constraints = true;
                } else if constraints && !named {
                    at.push(i);
                }
            }
            _ => {}
        }
        if depth == 1 {
            item_start = false;
            last = [last[1].take(), Some(t.token.clone())];
        }
    }
    for &i in at.iter().rev() {
        let span = tokens[i].span;
        tokens.insert(i, TokenWithSpan { token: Token::Comma, span });
    }
}
