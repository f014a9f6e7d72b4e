//! Reading a live database's schema into the same [`Schema`] the replay builds.
//!
//! The catalogs speak each database's own dialect (`character varying(255)`, `int(11)`,
//! `'a'::text`, `current_timestamp()`); everything goes through the core's normalisation, so
//! a database built by a history and the replay of that history compare equal.

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "mysql")]
pub use mysql::introspect_mysql;
#[cfg(feature = "postgres")]
pub use postgres::introspect_postgres;
#[cfg(feature = "sqlite")]
pub use sqlite::introspect_sqlite;

use strata_schema::{Dialect, Schema, Table};

/// Why a database could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    #[error("cannot read the database schema: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot read the definition of `{object}`: {message}")]
    Definition { object: String, message: String },
}

/// Tables strata's and other migrators' own bookkeeping keep; never part of a schema.
pub const BOOKKEEPING_TABLES: &[&str] = &[
    "_sqlx_migrations",
    "__diesel_schema_migrations",
    "_strata_migrations",
    // Where strata records how far a MySQL migration got (`migrate::progress_table`).
    "_sqlx_migrations_progress",
    // Where strata keeps each applied migration's down SQL (`migrate::downs_table`).
    "_sqlx_migrations_downs",
    // The histories of the tools `strata adopt` takes over (`migrate::Tool`); golang-migrate's
    // and dbmate's `schema_migrations` is told by its shape ([`is_foreign_history`]).
    "goose_db_version",
    "flyway_schema_history",
    "_prisma_migrations",
];

/// Whether `table` is golang-migrate's or dbmate's history: `schema_migrations` with their
/// columns (`version`, and golang-migrate's `dirty`) and no others. A table of that name that
/// a history made its own (it has other columns) is the application's.
pub fn is_foreign_history(table: &Table) -> bool {
    table.name.eq_ignore_ascii_case("schema_migrations")
        && table.columns.iter().any(|c| c.name.eq_ignore_ascii_case("version"))
        && table
            .columns
            .iter()
            .all(|c| c.name.eq_ignore_ascii_case("version") || c.name.eq_ignore_ascii_case("dirty"))
}

fn is_bookkeeping(name: &str) -> bool {
    BOOKKEEPING_TABLES.iter().any(|t| t.eq_ignore_ascii_case(name))
}

/// Reads one statement's effect the way the replay does: for definitions the catalog only
/// gives as SQL text (SQLite's checks, expression indexes).
fn apply_definition(dialect: Dialect, table: &mut Table, sql: &str) -> Result<(), IntrospectError> {
    let mut scratch = Schema::default();
    let mut stub = Table::new(table.name.clone());
    stub.columns = table.columns.clone();
    scratch.insert_table(stub);
    strata_schema::replay::apply_sql(dialect, &mut scratch, std::path::Path::new(&table.name), sql)
        .map_err(|e| IntrospectError::Definition { object: table.name.clone(), message: e.message })?;
    if let Some(t) = scratch.table(&table.name) {
        for i in &t.indexes {
            if !table.indexes.iter().any(|x| x.name.eq_ignore_ascii_case(&i.name)) {
                table.indexes.push(i.clone());
            }
        }
        for u in &t.uniques {
            if !table.uniques.iter().any(|x| x.name == u.name && x.columns == u.columns) {
                table.uniques.push(u.clone());
            }
        }
    }
    Ok(())
}
