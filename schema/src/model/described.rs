//! The tables a source file's models describe, read without parsing the models.
//!
//! `embed_migrations!` asks every source file which tables its models describe, to say which
//! tables the migrations create that no model does. Parsing each file whole (syn's `File`,
//! then each model's attributes and fields) cost a crate about a fifth of a second per
//! thousand migrations' worth of models in an unoptimised build, on every build. This walks
//! the file's top-level tokens instead: an item's attributes, its keyword and name, and the
//! braces of an inline module; a struct's fields are one token it steps over.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The table of each struct in `text` that derives `Model` (also through `cfg_attr`), in
/// order; `None` when `text` is not Rust tokens (rustc says why).
pub fn described_in(text: &str) -> Option<Vec<String>> {
    let tokens: TokenStream = text.parse().ok()?;
    let mut out = Vec::new();
    items(tokens, &mut out);
    Some(out)
}

fn items(tokens: TokenStream, out: &mut Vec<String>) {
    let mut attrs: Vec<TokenStream> = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(t) = tokens.next() {
        match t {
            // `#[...]` (and `#![...]`): kept until the item they belong to.
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
                    tokens.next();
                }
                if let Some(TokenTree::Group(g)) = tokens.next_if(|t| is_group(t, Delimiter::Bracket)) {
                    attrs.push(g.stream());
                }
            }
            TokenTree::Ident(i) if i == "struct" => {
                if let Some(TokenTree::Ident(name)) = tokens.next()
                    && attrs.iter().any(|a| derives_model(a.clone()))
                {
                    out.push(table(&attrs).unwrap_or_else(|| super::snake_case(&unraw(&name.to_string()))));
                }
                attrs.clear();
                skip_item(&mut tokens);
            }
            TokenTree::Ident(i) if i == "mod" => {
                tokens.next(); // its name
                if let Some(TokenTree::Group(g)) = tokens.next_if(|t| is_group(t, Delimiter::Brace)) {
                    items(g.stream(), out);
                }
                attrs.clear();
            }
            // Visibility and qualifiers before the keyword: `pub`, `pub(crate)`, `unsafe`, ...
            TokenTree::Ident(i)
                if matches!(i.to_string().as_str(), "pub" | "unsafe" | "extern" | "async" | "const") =>
            {
                if matches!(tokens.peek(), Some(t) if is_group(t, Delimiter::Parenthesis)) {
                    tokens.next();
                }
            }
            TokenTree::Punct(p) if p.as_char() == ';' => attrs.clear(),
            // Any other item: everything up to its `;` or its body's braces.
            _ => {
                attrs.clear();
                if !is_group(&t, Delimiter::Brace) {
                    skip_item(&mut tokens);
                }
            }
        }
    }
}

/// Steps over the rest of an item: up to and including a `;`, or a `{...}` body.
fn skip_item(tokens: &mut std::iter::Peekable<proc_macro2::token_stream::IntoIter>) {
    for t in tokens.by_ref() {
        match t {
            TokenTree::Punct(p) if p.as_char() == ';' => return,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => return,
            _ => {}
        }
    }
}

fn is_group(t: &TokenTree, delimiter: Delimiter) -> bool {
    matches!(t, TokenTree::Group(g) if g.delimiter() == delimiter)
}

/// Whether an attribute's tokens (inside `#[...]`) are `derive(..., Model, ...)` or a
/// `cfg_attr` holding one.
fn derives_model(attr: TokenStream) -> bool {
    fn mentions(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(i) => i == "Model",
            TokenTree::Group(g) => mentions(g.stream()),
            _ => false,
        })
    }
    let mut tokens = attr.into_iter();
    match tokens.next() {
        Some(TokenTree::Ident(i)) if i == "derive" || i == "cfg_attr" => tokens.any(|t| match t {
            TokenTree::Group(g) => mentions(g.stream()),
            _ => false,
        }),
        _ => false,
    }
}

/// The first `table = "..."` of the item's `#[strata(...)]` attributes.
fn table(attrs: &[TokenStream]) -> Option<String> {
    attrs.iter().find_map(|a| {
        let mut tokens = a.clone().into_iter();
        match (tokens.next(), tokens.next()) {
            (Some(TokenTree::Ident(i)), Some(TokenTree::Group(g)))
                if i == "strata" && g.delimiter() == Delimiter::Parenthesis =>
            {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                inner.windows(3).find_map(|w| match w {
                    [TokenTree::Ident(k), TokenTree::Punct(eq), TokenTree::Literal(lit)]
                        if k == "table" && eq.as_char() == '=' =>
                    {
                        syn::parse2::<syn::LitStr>(TokenTree::Literal(lit.clone()).into())
                            .ok()
                            .map(|s| s.value())
                    }
                    _ => None,
                })
            }
            _ => None,
        }
    })
}

fn unraw(ident: &str) -> String {
    ident.strip_prefix("r#").unwrap_or(ident).to_owned()
}

#[cfg(test)]
mod tests {
    /// The walk finds what parsing the models finds, on a file with everything around them.
    #[test]
    fn the_walk_finds_what_parsing_finds() {
        let text = r#"
#![allow(dead_code)]
//! A module.
use strata::Model;
use std::{fmt, io};

const LIMIT: usize = { 3 };
static NAMES: [&str; 2] = ["a", "b"];

/// Users.
#[derive(Debug, Model)]
#[strata(table = "people", index(columns(a, b), name = "ix"))]
pub struct User {
    #[strata(primary_key)]
    pub id: i64,
    pub a: String,
    pub b: String,
}

#[derive(Model)]
pub(crate) struct OrderLine {
    #[strata(primary_key)]
    pub id: i64,
}

#[cfg_attr(feature = "db", derive(Model))]
#[strata(migrations = "migrations")]
struct r#Type {
    #[strata(primary_key)]
    id: i64,
}

#[derive(Debug)]
struct NotAModel { id: i64 }

struct Tuple(i64);

impl User {
    fn f(&self) -> impl Fn() -> i64 { || 1 }
}

fn helper<T: Into<i64>>(t: T) -> i64 where T: Copy { t.into() }

macro_rules! m { () => {}; }
m!();

mod inner {
    use super::*;
    #[derive(Model)]
    #[strata(table = "audit_log")]
    pub struct Audit {
        #[strata(primary_key)]
        pub id: i64,
    }
}

enum Kind { A, B }
"#;
        let parsed: Vec<String> = crate::model::models_in_file(&syn::parse_file(text).expect("parses"))
            .into_iter()
            .map(|m| m.expect("a model").table)
            .collect();
        assert_eq!(parsed, ["people", "order_line", "type", "audit_log"]);
        assert_eq!(super::described_in(text).expect("tokens"), parsed);
    }
}
