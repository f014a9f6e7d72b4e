//! SQLite, through its pragmas; checks and expression indexes through their SQL text.

use sqlx::SqliteConnection;
use strata_schema::{Action, Column, Dialect, ForeignKey, PrimaryKey, Schema, Table, Unique, expr, types};

use super::{IntrospectError, apply_definition, is_bookkeeping};

const D: Dialect = Dialect::Sqlite;

/// id, seq, parent table, column, parent column (none: the parent's primary key), on update,
/// on delete
type ForeignKeyRow = (i64, i64, String, String, Option<String>, String, String);

/// Reads the schema of an SQLite database, normalised.
pub async fn introspect_sqlite(conn: &mut SqliteConnection) -> Result<Schema, IntrospectError> {
    let tables: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut schema = Schema::default();
    for (name, sql) in tables {
        if is_bookkeeping(&name) {
            continue;
        }
        let mut table = Table::new(name.clone());
        let columns: Vec<(String, String, bool, Option<String>, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (cname, ty, notnull, default, pk_pos) in columns {
            if pk_pos > 0 {
                pk.push((pk_pos, cname.clone()));
            }
            table.columns.push(Column {
                name: cname,
                ty: types::canonical(D, &ty),
                nullable: !notnull,
                default: default.and_then(|d| expr::normalize(D, &d)),
                auto_increment: false,
            });
        }
        pk.sort();
        if !pk.is_empty() {
            table.primary_key =
                Some(PrimaryKey { name: None, columns: pk.into_iter().map(|p| p.1).collect() });
        }

        let fks: Vec<ForeignKeyRow> = sqlx::query_as(
            "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        let mut by_id: std::collections::BTreeMap<i64, ForeignKey> = std::collections::BTreeMap::new();
        for (id, _, ref_table, from, to, on_update, on_delete) in fks {
            let f = by_id.entry(id).or_insert_with(|| ForeignKey {
                name: None,
                columns: Vec::new(),
                ref_table,
                ref_columns: Vec::new(),
                on_delete: Action::parse(&on_delete).unwrap_or_default(),
                on_update: Action::parse(&on_update).unwrap_or_default(),
                column: None,
            });
            f.columns.push(from);
            // `REFERENCES parent` without columns means the parent's primary key.
            f.ref_columns.extend(to);
        }
        table.foreign_keys = by_id.into_values().collect();

        let indexes: Vec<(String, bool, String, bool)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)")
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
        for (iname, unique, origin, partial) in indexes {
            if origin == "pk" {
                continue;
            }
            let cols: Vec<(i64, Option<String>)> =
                sqlx::query_as("SELECT cid, name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind(&iname)
                    .fetch_all(&mut *conn)
                    .await?;
            let expression = cols.iter().any(|c| c.0 < 0);
            if origin == "u" {
                table
                    .uniques
                    .push(Unique { name: None, columns: cols.into_iter().filter_map(|c| c.1).collect() });
            } else if unique && !partial && !expression {
                table.uniques.push(Unique {
                    name: Some(iname),
                    columns: cols.into_iter().filter_map(|c| c.1).collect(),
                });
            } else {
                let sql: Option<String> =
                    sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?")
                        .bind(&iname)
                        .fetch_one(&mut *conn)
                        .await?;
                if let Some(sql) = sql {
                    apply_definition(D, &mut table, &sql)?;
                }
            }
        }

        // SQLite keeps no catalog of checks: they live in the table's own SQL.
        if let Some(sql) = sql.filter(|s| s.to_ascii_uppercase().contains("CHECK")) {
            let mut scratch = Schema::default();
            strata_schema::replay::apply_sql(D, &mut scratch, std::path::Path::new(&name), &sql)
                .map_err(|e| IntrospectError::Definition { object: name.clone(), message: e.message })?;
            if let Some(t) = scratch.table(&name) {
                table.checks = t.checks.clone();
            }
        }
        schema.insert_table(table);
    }
    let views: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
            .fetch_all(&mut *conn)
            .await?;
    for name in views {
        let view = strata_schema::View {
            name: name.clone(),
            materialized: false,
            reads: Vec::new(),
            indexes: Vec::new(),
        };
        schema.views.insert(name.to_ascii_lowercase(), view);
    }
    schema.normalize(D);
    Ok(schema)
}
