//! The three SQL dialects strata speaks.

use std::fmt;
use std::str::FromStr;

/// A database dialect: decides how DDL is parsed, how types are spelled and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

    /// The name used in `strata.toml` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        }
    }

    /// The name in prose: `SQLite`, `PostgreSQL`, `MySQL`.
    pub fn title(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
            Dialect::Mysql => "MySQL",
        }
    }

    pub(crate) fn parser_dialect(self) -> Box<dyn sqlparser::dialect::Dialect> {
        match self {
            Dialect::Sqlite => Box::new(Sqlite::new()),
            Dialect::Postgres => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
            Dialect::Mysql => Box::new(sqlparser::dialect::MySqlDialect {}),
        }
    }

    /// Quotes an identifier the way this dialect expects, only when it has to.
    pub fn quote_ident(self, ident: &str) -> String {
        let plain = ident.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && ident.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !crate::types::is_reserved_word(ident);
        if plain {
            return ident.to_owned();
        }
        match self {
            Dialect::Mysql => format!("`{}`", ident.replace('`', "``")),
            _ => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }
}

// SQLite as sqlparser reads it, with the `<<` and `>>` SQLite has (sqlparser 0.63 reads them
// only for PostgreSQL-like dialects and MySQL); still SQLite to the parser's own checks.
sqlparser::derive_dialect!(
    Sqlite,
    sqlparser::dialect::SQLiteDialect,
    preserve_type_id = true,
    overrides = { supports_bitwise_shift_operators = true }
);

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sqlite" | "sqlite3" => Ok(Dialect::Sqlite),
            "postgres" | "postgresql" | "pg" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::Mysql),
            other => Err(format!("unknown dialect `{other}`; expected one of `sqlite`, `postgres`, `mysql`")),
        }
    }
}
