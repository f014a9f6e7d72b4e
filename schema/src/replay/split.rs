//! Cutting a migration file into statements, each with the tokens and location of its own.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::Dialect;

/// One statement of a file: its tokens without white space or comments (locations relative to
/// the file), and its leading words.
#[derive(Debug)]
pub(crate) struct Statement {
    pub tokens: Vec<TokenWithSpan>,
    /// Uppercased words from the start, enough to classify the statement.
    pub head: Vec<String>,
    pub line: u64,
    pub column: u64,
    /// What a `strata:effect` comment before the statement says it does to the schema.
    pub effect: Option<Effect>,
    /// `strata:allow` comments before the statement, inside it, or after its semicolon on the
    /// line where it ends: the lint rules its author knowingly lets pass.
    pub allows: Vec<Allow>,
}

/// A `-- strata:allow <rule>[, <rule>...]: <reason>` comment, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub rules: Vec<String>,
    /// Empty when the comment gives none: the linter says a reason is required.
    pub reason: String,
    pub line: u64,
    pub column: u64,
}

const ALLOW: &str = "strata:allow";

/// Reads a comment token as a `strata:allow` comment, if it is one.
fn allow_of(tok: &TokenWithSpan) -> Option<Allow> {
    let text = match &tok.token {
        Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) => comment.as_str(),
        Token::Whitespace(Whitespace::MultiLineComment(comment)) => comment.as_str(),
        _ => return None,
    };
    let rest = text.trim_start().strip_prefix(ALLOW)?;
    let (rules, reason) = rest.split_once(':').unwrap_or((rest, ""));
    Some(Allow {
        rules: rules.split([',', ' ', '\t']).filter(|r| !r.is_empty()).map(str::to_owned).collect(),
        reason: reason.trim().to_owned(),
        line: tok.span.start.line,
        column: tok.span.start.column,
    })
}

/// A `strata:effect` comment: the user's word for what a statement strata cannot see into
/// does to the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// `-- strata:effect none`: it changes no table.
    None,
    /// `/* strata:effect <DDL> */`: it does what this DDL does. `start..end` is the DDL's byte
    /// range in the file, so its statements keep their own lines and columns.
    Sql { start: usize, end: usize },
    /// An annotation strata cannot read, at (line, column), with the reason.
    Malformed(u64, u64, String),
}

const EFFECT: &str = "strata:effect";

/// What a line that runs Rust code starts with: `-- strata:rust <path>`.
pub(crate) const RUST: &str = "strata:rust";
/// The head of the statement such a line is.
pub(crate) const RUST_HEAD: &str = "STRATA:RUST";

/// Reads a comment token as a `strata:effect` annotation, if it is one.
fn effect_of(sql: &str, tok: &TokenWithSpan) -> Option<Effect> {
    let (text, opener) = match &tok.token {
        Token::Whitespace(Whitespace::SingleLineComment { comment, prefix }) => {
            (comment.as_str(), prefix.len())
        }
        Token::Whitespace(Whitespace::MultiLineComment(comment)) => (comment.as_str(), 2),
        _ => return None,
    };
    let lead = text.len() - text.trim_start().len();
    let rest = text.trim_start().strip_prefix(EFFECT)?;
    let (line, column) = (tok.span.start.line, tok.span.start.column);
    if rest.trim().eq_ignore_ascii_case("none") {
        return Some(Effect::None);
    }
    if matches!(tok.token, Token::Whitespace(Whitespace::SingleLineComment { .. })) || rest.trim().is_empty()
    {
        return Some(Effect::Malformed(
            line,
            column,
            "a `strata:effect` comment says `-- strata:effect none`, or holds the statement's DDL in a block comment: `/* strata:effect ALTER TABLE ... ; */`".into(),
        ));
    }
    let start = byte_offset(sql, line, column) + opener + lead + EFFECT.len();
    Some(Effect::Sql { start, end: start + rest.len() })
}

/// The byte offset of a 1-based line and column (in characters), as the tokenizer counts them.
fn byte_offset(sql: &str, line: u64, column: u64) -> usize {
    let line_start: usize =
        sql.split_inclusive('\n').take(line.saturating_sub(1) as usize).map(str::len).sum();
    let in_line: usize =
        sql[line_start..].chars().take(column.saturating_sub(1) as usize).map(char::len_utf8).sum();
    line_start + in_line
}

/// Where each statement of `sql` is, as byte ranges from its first token to its last (the
/// semicolon left out), for running them one at a time. `None` when `sql` does not tokenize.
pub(crate) fn spans(dialect: Dialect, sql: &str) -> Option<Vec<std::ops::Range<usize>>> {
    let statements = split(dialect, sql).ok()?;
    // Where each line starts, once: looking each one up from the start of a large file would
    // make the work grow with the square of its size.
    let lines: Vec<usize> = std::iter::once(0).chain(sql.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = |line: u64, column: u64| {
        let start = lines.get(line.saturating_sub(1) as usize).copied().unwrap_or(sql.len());
        start
            + sql[start..].chars().take(column.saturating_sub(1) as usize).map(char::len_utf8).sum::<usize>()
    };
    Some(
        statements
            .iter()
            .filter_map(|s| {
                let (first, last) = (s.tokens.first()?, s.tokens.last()?);
                Some(
                    offset(first.span.start.line, first.span.start.column)
                        ..offset(last.span.end.line, last.span.end.column),
                )
            })
            .collect(),
    )
}

/// Tokenizes `sql` and splits it at top-level semicolons; the bodies of triggers and
/// procedures (`BEGIN ... END`) stay in one piece.
pub(crate) fn split(dialect: Dialect, sql: &str) -> Result<Vec<Statement>, (u64, u64, String)> {
    let d = dialect.parser_dialect();
    let tokens = Tokenizer::new(&*d, sql)
        .with_unescape(false)
        .tokenize_with_location()
        .map_err(|e| (e.location.line, e.location.column, e.message))?;

    let mut out: Vec<Statement> = Vec::new();
    let mut current: Vec<TokenWithSpan> = Vec::new();
    let mut head: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut block = false;
    let mut effect: Option<Effect> = None;
    let mut allows: Vec<Allow> = Vec::new();
    // The line of the last statement's semicolon: a `strata:allow` after it on that line is
    // the last statement's.
    let mut ended_on = 0;
    for tok in tokens {
        if let Some(a) = allow_of(&tok) {
            match out.last_mut() {
                Some(last) if current.is_empty() && tok.span.start.line == ended_on => last.allows.push(a),
                _ => allows.push(a),
            }
        }
        // `-- strata:rust <path>`: Rust code a migration runs here, a statement of its own.
        if current.is_empty()
            && let Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) = &tok.token
            && comment.trim_start().starts_with(RUST)
        {
            out.push(Statement {
                tokens: vec![tok.clone()],
                head: vec![RUST_HEAD.to_owned()],
                line: tok.span.start.line,
                column: tok.span.start.column,
                effect: effect.take(),
                allows: std::mem::take(&mut allows),
            });
            continue;
        }
        if current.is_empty()
            && let Some(e) = effect_of(sql, &tok)
        {
            effect = Some(match effect {
                Some(_) => Effect::Malformed(
                    tok.span.start.line,
                    tok.span.start.column,
                    "a second `strata:effect` comment before one statement".into(),
                ),
                None => e,
            });
        }
        let significant = !matches!(tok.token, Token::Whitespace(_) | Token::EOF);
        if let Token::Word(w) = &tok.token
            && w.quote_style.is_none()
        {
            if head.len() < 8 {
                head.push(w.value.to_ascii_uppercase());
                block = block
                    || head
                        .iter()
                        .any(|h| matches!(h.as_str(), "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT"));
            }
            if block {
                match w.keyword {
                    Keyword::BEGIN | Keyword::CASE => depth += 1,
                    Keyword::END => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
        if tok.token == Token::SemiColon && depth == 0 {
            let (tokens, head) = (std::mem::take(&mut current), std::mem::take(&mut head));
            ended_on = tok.span.start.line;
            push(dialect, &mut out, tokens, head, effect.take(), std::mem::take(&mut allows));
            block = false;
            continue;
        }
        // White space and comments carry nothing the parser needs: kept out, they are not
        // moved twice.
        if significant {
            current.push(tok);
        }
    }
    if current.is_empty()
        && let Some(e) = effect
    {
        let (line, column) = match e {
            Effect::Malformed(l, c, _) => (l, c),
            _ => (sql.lines().count() as u64, 1),
        };
        return Err((line, column, "this `strata:effect` comment is not followed by a statement".into()));
    }
    push(dialect, &mut out, current, head, effect, allows);
    Ok(out)
}

fn push(
    dialect: Dialect,
    out: &mut Vec<Statement>,
    tokens: Vec<TokenWithSpan>,
    head: Vec<String>,
    effect: Option<Effect>,
    allows: Vec<Allow>,
) {
    let Some(first) = tokens.iter().find(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF)) else {
        // Nothing follows: a trailing `strata:allow` goes with the statement before it.
        if let Some(last) = out.last_mut() {
            last.allows.extend(allows);
        }
        return;
    };
    let (line, column) = (first.span.start.line, first.span.start.column);
    let starts = |w: &[&str]| head.len() >= w.len() && head.iter().zip(w).all(|(a, b)| a == b);
    let defines_columns = starts(&["CREATE", "TABLE"])
        || starts(&["CREATE", "TEMP", "TABLE"])
        || starts(&["CREATE", "TEMPORARY", "TABLE"])
        || starts(&["ALTER", "TABLE"]);
    let tokens =
        if dialect == Dialect::Sqlite && defines_columns { sqlite_type_names(tokens) } else { tokens };
    out.push(Statement { tokens, head, line, column, effect, allows });
}

/// SQLite takes any run of words as a type name (`SMALL INT`, `NATIVE CHARACTER(70)`) or none at
/// all (`col NOT NULL`); sqlparser takes one word. Such a run becomes one word here, so the
/// parser sees the type SQLite sees. Other dialects' statements never reach this (see `split`).
fn sqlite_type_names(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    const CONSTRAINT_WORDS: &[&str] = &[
        "CONSTRAINT",
        "PRIMARY",
        "NOT",
        "NULL",
        "UNIQUE",
        "CHECK",
        "DEFAULT",
        "COLLATE",
        "REFERENCES",
        "GENERATED",
        "AS",
        "AUTOINCREMENT",
    ];
    const TABLE_CONSTRAINT_WORDS: &[&str] = &["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];
    const NATIVE: &[&[&str]] = &[&["DOUBLE", "PRECISION"], &["CHARACTER", "VARYING"], &["CHAR", "VARYING"]];
    // The word as written: compared without regard to case, never copied.
    fn word(t: &TokenWithSpan) -> Option<&str> {
        match &t.token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.as_str()),
            _ => None,
        }
    }
    let is = |w: Option<&str>, expected: &str| w.is_some_and(|w| w.eq_ignore_ascii_case(expected));
    let one_of = |w: &str, list: &[&str]| list.iter().any(|x| x.eq_ignore_ascii_case(w));
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_) | Token::EOF))
        .collect();
    // Positions (into `significant`) where a column definition starts.
    let mut starts = Vec::new();
    let mut depth = 0;
    let is_create = is(significant.first().and_then(|&i| word(&tokens[i])), "CREATE");
    for (k, &i) in significant.iter().enumerate() {
        match &tokens[i].token {
            Token::LParen => {
                depth += 1;
                if depth == 1 && is_create {
                    starts.push(k + 1);
                }
            }
            Token::RParen => depth -= 1,
            Token::Comma if depth == 1 && is_create => starts.push(k + 1),
            Token::Word(_) if !is_create && depth == 0 => {
                let w = word(&tokens[i]);
                let next = significant.get(k + 1).and_then(|&j| word(&tokens[j]));
                if is(w, "ADD") && !is(next, "COLUMN")
                    || is(w, "COLUMN") && k > 0 && is(word(&tokens[significant[k - 1]]), "ADD")
                {
                    starts.push(k + 1);
                }
            }
            _ => {}
        }
    }
    let mut replace: Vec<(usize, usize, String)> = Vec::new(); // significant range [a, b), new word
    for start in starts {
        let Some(&name) = significant.get(start) else {
            continue;
        };
        if word(&tokens[name]).is_some_and(|w| one_of(w, TABLE_CONSTRAINT_WORDS)) {
            continue;
        }
        let mut end = start + 1;
        let mut words = Vec::new();
        while let Some(w) = significant.get(end).and_then(|&i| word(&tokens[i])) {
            if one_of(w, CONSTRAINT_WORDS) {
                break;
            }
            words.push(w);
            end += 1;
        }
        let native = NATIVE
            .iter()
            .any(|n| n.len() == words.len() && n.iter().zip(&words).all(|(a, b)| a.eq_ignore_ascii_case(b)));
        if words.len() == 1 || native {
            continue;
        }
        replace.push((start + 1, end, words.join(" ")));
    }
    if replace.is_empty() {
        return tokens;
    }
    let mut dropped = vec![false; tokens.len()];
    let mut inserted: Vec<(usize, String)> = Vec::new(); // before this token index
    for (a, b, text) in replace {
        let first = significant[a.min(significant.len() - 1)];
        if b > a {
            let last = significant[b - 1];
            dropped[first..=last].iter_mut().for_each(|d| *d = true);
        }
        inserted.push((first, text));
    }
    let mut out = Vec::with_capacity(tokens.len());
    for (i, tok) in tokens.into_iter().enumerate() {
        if let Some((_, text)) = inserted.iter().find(|(at, _)| *at == i) {
            let word = sqlparser::tokenizer::Word {
                value: text.clone(),
                quote_style: None,
                keyword: Keyword::NoKeyword,
            };
            out.push(TokenWithSpan { token: Token::Word(word), span: tok.span });
            out.push(TokenWithSpan { token: Token::Whitespace(Whitespace::Space), span: tok.span });
        }
        if !dropped[i] {
            out.push(tok);
        }
    }
    out
}

/// What the replay does with a statement, decided from its first words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Cannot change a table's shape: DML, functions, triggers, views, grants, comments...
    Skip,
    /// Parsed and applied.
    Ddl,
    /// `CREATE TEMPORARY TABLE`: lives for the session only.
    TempTable,
    /// Not understood: the replay refuses rather than guess.
    Unknown,
    /// Runs code strata cannot see into (a `DO` block, a procedure call, dynamic SQL), which
    /// may change tables: refused unless a `strata:effect` comment says what it does.
    Opaque,
    /// `-- strata:rust <path>`: Rust code over the migration's connection, for rows; it changes
    /// no table unless a `strata:effect` comment before it says what it does.
    Rust,
}

pub(crate) fn classify(s: &Statement) -> Kind {
    let h: Vec<&str> = s.head.iter().map(String::as_str).collect();
    let first = h.first().copied().unwrap_or("");
    match first {
        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "WITH" | "VALUES" | "REPLACE" | "MERGE" | "COPY"
        | "GRANT" | "REVOKE" | "COMMENT" | "SET" | "RESET" | "PRAGMA" | "BEGIN" | "START" | "COMMIT"
        | "END" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "ANALYZE" | "VACUUM" | "REINDEX" | "LOCK"
        | "UNLOCK" | "DEALLOCATE" | "EXPLAIN" | "NOTIFY" | "LISTEN" | "REFRESH" | "CLUSTER" | "TRUNCATE"
        | "SECURITY" | "DISCARD" | "CHECKPOINT" | "FLUSH" | "OPTIMIZE" | "USE" => Kind::Skip,
        "CREATE" => create_kind(&h[1..]),
        "DROP" => match object(&h[1..]) {
            "TABLE" | "INDEX" | "TYPE" | "SCHEMA" | "VIEW" | "MATERIALIZED" => Kind::Ddl,
            "FUNCTION" | "PROCEDURE" | "ROUTINE" | "TRIGGER" | "EXTENSION" | "SEQUENCE" | "ROLE" | "USER"
            | "POLICY" | "RULE" | "AGGREGATE" | "DOMAIN" | "OPERATOR" | "CAST" | "EVENT" | "COLLATION"
            | "PUBLICATION" | "SUBSCRIPTION" | "SERVER" | "STATISTICS" | "TEXT" => Kind::Skip,
            _ => Kind::Unknown,
        },
        "ALTER" => match object(&h[1..]) {
            "TABLE" | "TYPE" | "INDEX" => Kind::Ddl,
            "SEQUENCE" | "FUNCTION" | "PROCEDURE" | "ROUTINE" | "VIEW" | "MATERIALIZED" | "ROLE" | "USER"
            | "DATABASE" | "SCHEMA" | "EXTENSION" | "DEFAULT" | "POLICY" | "TRIGGER" | "DOMAIN"
            | "AGGREGATE" | "EVENT" | "PUBLICATION" | "STATISTICS" | "SYSTEM" | "LARGE" => Kind::Skip,
            _ => Kind::Unknown,
        },
        "RENAME" => Kind::Ddl,
        "DO" | "CALL" | "EXECUTE" | "EXEC" | "PREPARE" | "PERFORM" => Kind::Opaque,
        RUST_HEAD => Kind::Rust,
        _ => Kind::Unknown,
    }
}

fn create_kind(rest: &[&str]) -> Kind {
    let mut rest = rest;
    if rest.starts_with(&["OR", "REPLACE"]) {
        rest = &rest[2..];
    }
    // MySQL: CREATE DEFINER=`x`@`y` TRIGGER ...
    if rest.first() == Some(&"DEFINER") {
        return Kind::Skip;
    }
    match rest.first().copied().unwrap_or("") {
        "TEMP" | "TEMPORARY" => Kind::TempTable,
        "UNLOGGED" if rest.get(1) == Some(&"TABLE") => Kind::Ddl,
        "TABLE" | "INDEX" | "UNIQUE" | "TYPE" | "VIEW" | "MATERIALIZED" => Kind::Ddl,
        "FUNCTION" | "PROCEDURE" | "TRIGGER" | "EXTENSION" | "ROLE" | "USER" | "SCHEMA" | "SEQUENCE"
        | "AGGREGATE" | "OPERATOR" | "POLICY" | "RULE" | "CAST" | "COLLATION" | "DOMAIN" | "PUBLICATION"
        | "SUBSCRIPTION" | "SERVER" | "EVENT" | "STATISTICS" | "CONVERSION" | "LANGUAGE" | "TRUSTED"
        | "PROCEDURAL" | "TEXT" | "DATABASE" | "ALGORITHM" | "SQL" => Kind::Skip,
        "RECURSIVE" | "CONSTRAINT" => Kind::Skip,
        _ => Kind::Unknown,
    }
}

/// The object word after `DROP`/`ALTER`, past `IF EXISTS` and similar.
fn object<'a>(rest: &[&'a str]) -> &'a str {
    rest.first().copied().unwrap_or("")
}

/// The name a `CREATE [OR REPLACE] FUNCTION` / `PROCEDURE` defines, lowercased.
pub(crate) fn defined_function(s: &Statement) -> Option<String> {
    let rest = created(s)?;
    let at = rest.iter().position(|w| matches!(*w, "FUNCTION" | "PROCEDURE"))?;
    if !rest[..at].iter().all(|w| matches!(*w, "DEFINER" | "TEMP" | "TEMPORARY")) {
        return None;
    }
    name_after(s, &[Keyword::FUNCTION, Keyword::PROCEDURE]).map(|w| w.value.to_ascii_lowercase())
}

/// The functions a statement that runs now (a query or DML, not a definition) calls: each word
/// right before `(`, lowercased, with where.
pub(crate) fn function_calls(s: &Statement) -> Vec<(String, u64, u64)> {
    let runs = matches!(
        s.head.first().map(String::as_str),
        Some("SELECT" | "INSERT" | "UPDATE" | "DELETE" | "WITH" | "VALUES" | "REPLACE" | "MERGE")
    );
    if !runs {
        return Vec::new();
    }
    s.tokens
        .windows(2)
        .filter_map(|w| match (&w[0].token, &w[1].token) {
            (Token::Word(word), Token::LParen) => {
                Some((word.value.to_ascii_lowercase(), w[0].span.start.line, w[0].span.start.column))
            }
            _ => None,
        })
        .collect()
}

/// The name a `CREATE [OR REPLACE] [MATERIALIZED] VIEW [IF NOT EXISTS]` defines, and whether the
/// view is materialized; `None` for any other statement.
pub(crate) fn view_name(dialect: Dialect, s: &Statement) -> Option<(String, bool)> {
    let rest = created(s)?;
    let materialized = rest.first() == Some(&"MATERIALIZED");
    if rest.get(usize::from(materialized)) != Some(&"VIEW") {
        return None;
    }
    let w = name_after(s, &[Keyword::VIEW])?;
    let name = if dialect == Dialect::Postgres && w.quote_style.is_none() {
        w.value.to_ascii_lowercase()
    } else {
        w.value
    };
    Some((name, materialized))
}

/// The words of a `CREATE [OR REPLACE] ...` statement's head after those, else `None`.
fn created(s: &Statement) -> Option<Vec<&str>> {
    let h: Vec<&str> = s.head.iter().map(String::as_str).collect();
    match h.as_slice() {
        ["CREATE", "OR", "REPLACE", rest @ ..] | ["CREATE", rest @ ..] => Some(rest.to_vec()),
        _ => None,
    }
}

/// The last part of the (possibly qualified) name that follows the first of `keywords` in the
/// statement, past `IF NOT EXISTS`.
fn name_after(s: &Statement, keywords: &[Keyword]) -> Option<sqlparser::tokenizer::Word> {
    let at =
        s.tokens.iter().position(|t| matches!(&t.token, Token::Word(w) if keywords.contains(&w.keyword)))?;
    let mut name = None;
    for t in &s.tokens[at + 1..] {
        match &t.token {
            Token::Word(w)
                if name.is_none() && matches!(w.keyword, Keyword::IF | Keyword::NOT | Keyword::EXISTS) => {}
            Token::Word(w) => name = Some(w.clone()),
            Token::Period => {}
            _ => break,
        }
    }
    name
}

/// `sql` cut into pieces of whole statements, each about `size` bytes or more (one statement
/// larger than that is a piece of its own), cut only at a semicolon outside strings, quoted
/// names, comments and trigger bodies. For databases that read a script one statement at a
/// time and copy the rest of it each time (SQLite's `prepare`): sent in pieces, the work grows
/// with the script's size rather than its square. Reads bytes, not tokens: a 50 MB script is
/// cut without holding its tokens.
pub(crate) fn pieces(sql: &str, size: usize) -> Vec<&str> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    // The statement's leading words (enough to see `CREATE TEMP TRIGGER`), and the depth of
    // `BEGIN`/`CASE` ... `END` inside a trigger's body.
    let (mut words, mut block, mut depth) = (0usize, false, 0usize);
    let skip_to = |from: usize, end: &[u8]| {
        b[from..].windows(end.len()).position(|w| w == end).map_or(b.len(), |p| from + p + end.len())
    };
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'[' => i = skip_to(i + 1, b"]"),
            b'-' if b.get(i + 1) == Some(&b'-') => i = skip_to(i + 2, b"\n"),
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_to(i + 2, b"*/"),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let from = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                    i += 1;
                }
                let word = &sql[from..i];
                if words < 8 {
                    words += 1;
                    block = block || word.eq_ignore_ascii_case("TRIGGER");
                }
                if block {
                    if word.eq_ignore_ascii_case("BEGIN") || word.eq_ignore_ascii_case("CASE") {
                        depth += 1;
                    } else if word.eq_ignore_ascii_case("END") {
                        depth = depth.saturating_sub(1);
                    }
                }
            }
            b';' if depth == 0 => {
                i += 1;
                (words, block) = (0, false);
                if i - start >= size {
                    out.push(&sql[start..i]);
                    start = i;
                }
            }
            _ => i += 1,
        }
    }
    if start < b.len() {
        out.push(&sql[start..]);
    }
    out
}

#[cfg(test)]
mod pieces_tests {
    use super::pieces;

    #[test]
    fn pieces_are_whole_statements_and_make_the_script() {
        let sql = "CREATE TABLE t (a TEXT); -- a; comment\nINSERT INTO t VALUES ('x;''y'); /* ; */ INSERT INTO \"t;\" VALUES (1);\n\
                   CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN 1 THEN 'a;' END; DELETE FROM t; END;\nSELECT [a;b] FROM t;";
        for size in [0, 1, 10, 60, 1000] {
            let p = pieces(sql, size);
            assert_eq!(p.concat(), sql, "size {size}");
            for piece in &p[..p.len() - 1] {
                assert!(piece.trim_end().ends_with(';'), "{piece:?}");
            }
        }
        let p = pieces(sql, 0);
        assert_eq!(p.len(), 5, "{p:#?}");
        assert!(p[3].contains("CREATE TRIGGER") && p[3].trim_end().ends_with("END;"), "{p:#?}");
    }
}
