//! `embed_migrations!()`: resolve, check the whole history, write it into the binary.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use proc_macro2::{Span, TokenStream};
use quote::quote;
use strata_schema::migrations::Layout;
use strata_schema::{MigrationSet, cache};

use crate::resolve::{self, Dir};

pub fn expand(input: TokenStream, caller: Option<&Path>) -> syn::Result<TokenStream> {
    let given: Option<syn::LitStr> = if input.is_empty() {
        None
    } else {
        let span = input.clone().into_iter().next().map_or(Span::call_site(), |t| t.span());
        Some(syn::parse2(input).map_err(|_| {
            syn::Error::new(
                span,
                "`embed_migrations!` takes the migrations directory as a string literal, like `embed_migrations!(\"migrations\")`, or nothing for `migrations/`",
            )
        })?)
    };
    let span = given.as_ref().map_or(Span::call_site(), syn::LitStr::span);
    let value = given.as_ref().map(syn::LitStr::value);
    let dir = resolve::migrations_dir(
        value.as_deref().map(|v| (v, span)),
        caller,
        span,
        "`embed_migrations!`",
        "`embed_migrations!(\"path\")`",
    )?;
    let replayed = cache::replayed(&dir.path);
    let replayed = match replayed.as_ref() {
        Ok(r) => r,
        Err(e) => return Err(syn::Error::new(span, dir.load_error(e, "`embed_migrations!`"))),
    };
    let set = &replayed.set;
    let mut errors: Vec<syn::Error> =
        missing_downs(set, &dir).into_iter().map(|m| syn::Error::new(span, m)).collect();
    errors
        .extend(unmodeled(set, &replayed.schema, &dir, caller).into_iter().map(|m| syn::Error::new(span, m)));
    errors.extend(replayed.unrestored.iter().map(|u| syn::Error::new(span, unrestored(u, &dir))));
    errors.extend(strata_schema::integrity::check(set).into_iter().map(|m| syn::Error::new(span, m)));
    let mut errors = errors.into_iter();
    if let Some(mut first) = errors.next() {
        for e in errors {
            first.combine(e);
        }
        return Err(first);
    }
    Ok(migrator(set))
}

/// The errors, as statements of a block that still has the type the caller expects: several
/// `compile_error!`s side by side are not an expression, and a missing value would add errors
/// of its own.
pub fn fallback(e: syn::Error) -> TokenStream {
    let errors = e.into_compile_error();
    quote! {
        {
            #errors
            ::strata::Migrator::new(&[])
        }
    }
}

/// A migration whose layout expects a down (sqlx's `.up.sql`, a diesel folder, a goose or dbmate
/// file) needs it.
fn missing_downs(set: &MigrationSet, dir: &Dir) -> Vec<String> {
    set.migrations
        .iter()
        .filter(|m| m.down.is_none() && m.layout.expects_down())
        .map(|m| {
            let marker = match m.layout {
                Layout::Goose => Some("-- +goose Down"),
                Layout::Dbmate => Some("-- migrate:down"),
                _ => None,
            };
            if let Some(marker) = marker {
                return format!(
                    "migration `{}` has no down: add `{marker}` at the end of `{}`, and under it the SQL that undoes the up; if the change cannot be undone, say so there: `-- strata:irreversible <why>`",
                    m.name(),
                    dir.show(&m.up.path)
                );
            }
            let down = match m.layout {
                Layout::Diesel => m.up.path.with_file_name("down.sql"),
                _ => m.up.path.with_file_name(format!("{}.down.sql", m.name())),
            };
            format!(
                "migration `{}` has no down file: write `{}`; if the change cannot be undone, say so in it: `-- strata:irreversible <why>`",
                m.name(),
                dir.show(&down)
            )
        })
        .collect()
}

/// A down that does not give back the schema before its up, in words, with what it lacks.
fn unrestored(u: &strata_schema::downs::Unrestored, dir: &Dir) -> String {
    u.render(&dir.show(&u.down))
}

/// A crate being compiled: its manifest directory and name.
type CrateKey = (OsString, OsString);

/// The tables of the `#[derive(Model)]`s this process expanded, by crate ([`crate_key`]).
static DERIVED: LazyLock<Mutex<HashMap<CrateKey, HashSet<String>>>> = LazyLock::new(Mutex::default);

/// The crate being compiled: its manifest directory and name (one compiler process compiles one
/// crate; rust-analyzer's macro server expands many).
fn crate_key() -> CrateKey {
    let var = |name: &str| std::env::var_os(name).unwrap_or_default();
    (var("CARGO_MANIFEST_DIR"), var("CARGO_CRATE_NAME"))
}

/// Records that a model of the crate being compiled describes `table`.
pub fn derived(table: &str) {
    if let Ok(mut d) = DERIVED.lock() {
        d.entry(crate_key()).or_default().insert(table.to_ascii_lowercase());
    }
}

/// Tables the history creates that no model of this crate describes and `strata.toml` does not
/// leave to someone else.
fn unmodeled(
    set: &MigrationSet,
    schema: &strata_schema::Schema,
    dir: &Dir,
    caller: Option<&Path>,
) -> Vec<String> {
    let mut sources: Vec<PathBuf> = caller.map(Path::to_owned).into_iter().collect();
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) {
        sources.push(manifest.join("src"));
    }
    sources.extend(set.config.models.iter().map(|m| dir.path.join(m)));
    let wanted = || schema.tables.values().filter(|t| !set.config.is_unmanaged(&t.name));
    // The derives this compiler process already expanded for this crate are models of it: when
    // they describe every table, reading the sources would find nothing more.
    let seen = DERIVED.lock().ok().and_then(|d| d.get(&crate_key()).cloned()).unwrap_or_default();
    if wanted().all(|t| seen.contains(&t.name.to_ascii_lowercase())) {
        return Vec::new();
    }
    let described = strata_schema::model::described_tables(&sources);
    wanted()
        .filter(|t| !described.contains(&t.name.to_ascii_lowercase()))
        .map(|t| {
            format!(
                "table `{}` is created by the migrations in `{}`, but no model describes it: add a `#[derive(Model)]` struct with `#[strata(table = \"{}\")]`, or list it under `unmanaged` in `{}strata.toml` if another application owns it",
                t.name, dir.shown, t.name, dir.shown
            )
        })
        .collect()
}

/// The `Migrator` expression, lexed by the compiler from [`migrator_text`]: a long history is
/// a hundred thousand tokens (two checksums a migration), which `quote!` would build one at a
/// time in the macro, unoptimised in a debug build (and proc-macro2's `parse` first lexes the
/// text again itself, unoptimised too); the compiler's lexer reads it at its own speed.
fn migrator(set: &MigrationSet) -> TokenStream {
    crate::lex(&migrator_text(set), "a `Migrator`")
}

/// The `Migrator` of `set` as Rust: every file through `include_str!`, the checksums computed
/// here.
fn migrator_text(set: &MigrationSet) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(700 * set.migrations.len() + 200);
    out.push('{');
    for f in [strata_schema::CONFIG_FILE, strata_schema::integrity::INTEGRITY_FILE] {
        let p = set.dir.join(f);
        if p.is_file() {
            let _ = write!(
                out,
                "const _: &str = ::core::include_str!({});",
                crate::literal(&p.display().to_string())
            );
        }
    }
    // A const item, not an argument: its `&[...]` lives for the program without promotion,
    // which a checksum's `*b"..."` would not allow.
    out.push_str("const MIGRATIONS: &[::strata::migrate::Migration] = &[");
    // Files included only for the rebuild to follow them, written before the array.
    let mut tracked = String::new();
    for m in &set.migrations {
        // A goose or dbmate file holds both directions: each is written out as the replay read
        // it, and the file is included for the rebuild to follow it.
        let annotated = m.layout.is_annotated();
        let text = |f: &strata_schema::migrations::SqlFile| {
            if annotated {
                crate::literal(&f.sql)
            } else {
                format!("::core::include_str!({})", crate::literal(&f.path.display().to_string()))
            }
        };
        if annotated {
            let _ = write!(
                tracked,
                "const _: &str = ::core::include_str!({});",
                crate::literal(&m.up.path.display().to_string())
            );
        }
        let down = match &m.down {
            Some(d) => format!("::core::option::Option::Some({})", text(d)),
            None => "::core::option::Option::None".to_owned(),
        };
        let up = text(&m.up);
        // The same bytes hashed, unless a line ends in `\r\n`: one hash per file at compile time.
        let sqlx_checksum = if m.up.sql.contains('\r') {
            strata_schema::migrations::sqlx_checksum(&m.up.sql)
        } else {
            m.checksum
        };
        let _ = write!(
            out,
            "::strata::migrate::Migration {{ version: {}i64, version_text: {}, description: {}, up: {up}, down: {down}, checksum: {}, sqlx_checksum: {}, no_transaction: {}, down_no_transaction: {}, replaces: &[{}], up_data: {}, down_data: {} }},",
            m.version_number,
            crate::literal(&m.version),
            crate::literal(&m.description),
            bytes(&m.checksum),
            bytes(&sqlx_checksum),
            m.no_transaction,
            m.down_no_transaction,
            m.replaces
                .iter()
                .map(|r| format!(
                    "::strata::migrate::Replaced {{ version: {}i64, checksum: {}, name: {} }}",
                    r.version,
                    bytes(&r.checksum),
                    crate::literal(&r.name)
                ))
                .collect::<Vec<_>>()
                .join(", "),
            data_step(set.config.dialect, m.rust_step(false).as_deref()),
            data_step(set.config.dialect, m.rust_step(true).as_deref()),
        );
    }
    out.push_str("];");
    out.push_str(&tracked);
    out.push_str(" ::strata::Migrator::new(MIGRATIONS).with_unmanaged(&[");
    for u in &set.config.unmanaged {
        let _ = write!(out, "{},", crate::literal(u));
    }
    let dialect = match set.config.dialect {
        strata_schema::Dialect::Sqlite => "Sqlite",
        strata_schema::Dialect::Postgres => "Postgres",
        strata_schema::Dialect::Mysql => "Mysql",
    };
    let _ = write!(out, "]).with_dialect(::strata::schema::Dialect::{dialect}).with_effects(&[");
    for (version, line, sql) in set.up_effects() {
        let _ = write!(out, "({version}i64, {line}u64, {}),", crate::optional_literal(sql));
    }
    out.push_str("])");
    let t = set.config.timeouts;
    if t != strata_schema::Timeouts::DEFAULT {
        let millis = |d: std::time::Duration| d.as_millis();
        let _ = write!(
            out,
            ".with_timeouts(::strata::schema::Timeouts {{ lock: ::core::time::Duration::from_millis({}), statement: {}, retries: {} }})",
            millis(t.lock),
            match t.statement {
                Some(d) => format!(
                    "::core::option::Option::Some(::core::time::Duration::from_millis({}))",
                    millis(d)
                ),
                None => "::core::option::Option::None".to_owned(),
            },
            t.retries
        );
    }
    out.push('}');
    out
}

/// The `DataStep` of a `-- strata:rust <path>` line: the function at `path`, called over the
/// connection of the dialect's database (a path that names no such function is the compiler's
/// error at the macro), its error turned into the migrator's.
fn data_step(dialect: strata_schema::Dialect, path: Option<&str>) -> String {
    let Some(path) = path else { return "::core::option::Option::None".to_owned() };
    let variant = match dialect {
        strata_schema::Dialect::Sqlite => "Sqlite",
        strata_schema::Dialect::Postgres => "Postgres",
        strata_schema::Dialect::Mysql => "Mysql",
    };
    format!(
        "::core::option::Option::Some(::strata::migrate::DataStep {{ path: {}, run: ::strata::migrate::DataFn::{variant}(|c| ::std::boxed::Box::pin(async move {{ {path}(c).await.map_err(::core::convert::Into::into) }})) }})",
        crate::literal(path)
    )
}

/// `bytes` as an array the compiler reads in one token, `*b"\x00..."`: a byte string is
/// lexed once, where an array literal of 48 numbers is 96 tokens to lex, parse and lower.
fn bytes(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 4 + 4);
    out.push_str("*b\"");
    for &b in bytes {
        out.push_str("\\x");
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use strata_schema::migrations::{Layout, Migration, SqlFile};
    use strata_schema::{Config, Dialect, MigrationSet};

    /// What the compiler lexes is Rust, whatever the names, paths and SQL hold.
    #[test]
    fn the_migrator_text_is_rust() {
        let odd = "it's \"odd\" \\ \n\t\r\u{0} é \u{301} 🦀";
        let file =
            |name: &str| SqlFile { path: format!("/m/{odd}/{name}").into(), sql: "SELECT 1;\r\n".into() };
        let mut config = Config::new(Dialect::Postgres);
        config.unmanaged = vec![odd.to_owned()];
        config.effects =
            vec![strata_schema::Effect { file: "1_a.up.sql".into(), line: 3, sql: Some(odd.into()) }];
        let set = MigrationSet {
            dir: "/m".into(),
            config,
            migrations: vec![Migration {
                version: "1".into(),
                version_number: 1,
                description: odd.into(),
                layout: Layout::SqlxReversible,
                up: file("1_a.up.sql"),
                down: Some(file("1_a.down.sql")),
                no_transaction: true,
                down_no_transaction: false,
                checksum: [7; 48],
                replaces: Vec::new(),
            }],
        };
        let text = super::migrator_text(&set);
        let strings = crate::tests::strings(&text);
        // The description, the unmanaged name, the effect's SQL, and within the paths.
        assert_eq!(strings.iter().filter(|s| *s == odd).count(), 3, "{strings:?}");
        assert_eq!(strings.iter().filter(|s| s.contains(odd)).count(), 5, "{strings:?}");

        // A goose file's directions are written out as literals, the file included beside.
        let mut goose = set.clone();
        let sql = format!("-- +goose Up\nSELECT '{odd}';\n");
        goose.migrations[0].layout = Layout::Goose;
        goose.migrations[0].up = SqlFile { path: format!("/m/{odd}/1_a.sql").into(), sql: sql.clone() };
        goose.migrations[0].down = None;
        let strings = crate::tests::strings(&super::migrator_text(&goose));
        assert!(strings.contains(&sql), "{strings:?}");
        assert!(strings.iter().any(|s| s.ends_with("1_a.sql") && s.contains(odd)), "{strings:?}");
    }

    /// A checksum comes back from its byte string as it went in, every byte value.
    #[test]
    fn a_checksum_reads_back() {
        let checksum: Vec<u8> =
            (0..=255u8).step_by(5).chain([0, 9, 10, 13, 34, 39, 92, 127, 128, 255]).collect();
        let text = super::bytes(&checksum);
        let literal = text.strip_prefix('*').expect("dereferenced");
        let read: syn::LitByteStr = syn::parse_str(literal).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(read.value(), checksum);
    }
}
