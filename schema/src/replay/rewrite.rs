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
