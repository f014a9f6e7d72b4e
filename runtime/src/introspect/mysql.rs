//! MySQL and MariaDB, through `information_schema`.

use std::collections::BTreeMap;

use sqlx::MySqlConnection;
use strata_schema::{
    Action, Check, Column, Dialect, ForeignKey, Index, PrimaryKey, Schema, Table, Unique, expr, types,
};

use super::{IntrospectError, is_bookkeeping};

const D: Dialect = Dialect::Mysql;

/// Reads the schema of the connected MySQL or MariaDB database, normalised.
pub async fn introspect_mysql(conn: &mut MySqlConnection) -> Result<Schema, IntrospectError> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name,) in names {
        if !is_bookkeeping(&name) {
            tables.insert(name.clone(), Table::new(name));
        }
    }

    let columns: Vec<(String, String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), CAST(IS_NULLABLE AS CHAR),
                CAST(COLUMN_DEFAULT AS CHAR), CAST(EXTRA AS CHAR)
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (table, name, ty, nullable, default, extra) in columns {
        let Some(t) = tables.get_mut(&table) else { continue };
        let generated = extra.to_ascii_lowercase().contains("generated")
            && !extra.eq_ignore_ascii_case("DEFAULT_GENERATED");
        // MariaDB writes `NULL` for "no default" on a nullable column.
        let default = default.filter(|d| !d.eq_ignore_ascii_case("NULL") && !generated);
        t.columns.push(Column {
            name,
            ty: types::canonical(D, &ty),
            nullable: nullable == "YES",
            default: default.and_then(|d| expr::normalize(D, &d)),
            auto_increment: extra.to_ascii_lowercase().contains("auto_increment"),
        });
    }

    let stats: Vec<(String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE AS SIGNED), CAST(COLUMN_NAME AS CHAR)
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut grouped: BTreeMap<(String, String), (bool, Vec<String>, bool)> = BTreeMap::new();
    for (table, index, non_unique, column) in stats {
        let e = grouped.entry((table, index)).or_insert((non_unique == 0, Vec::new(), false));
        match column {
            Some(c) => e.1.push(c),
            None => e.2 = true,
        }
    }
    for ((table, index), (unique, columns, expression)) in grouped {
        let Some(t) = tables.get_mut(&table) else { continue };
        if index == "PRIMARY" {
            t.primary_key = Some(PrimaryKey { name: None, columns });
        } else if unique && !expression {
            t.uniques.push(Unique { name: Some(index), columns });
        } else {
            t.indexes.push(Index {
                name: index,
                columns,
                unique,
                expression,
                predicate: None,
                generated: false,
            });
        }
    }

    let fks: Vec<(String, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR), CAST(k.COLUMN_NAME AS CHAR),
                CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR),
                CAST(r.UPDATE_RULE AS CHAR), CAST(r.DELETE_RULE AS CHAR)
         FROM information_schema.KEY_COLUMN_USAGE k
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r
           ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
         WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
         ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (table, name, column, ref_table, ref_column, upd, del) in fks {
        let Some(t) = tables.get_mut(&table) else { continue };
        match t.foreign_keys.last_mut() {
            Some(f) if f.name.as_deref() == Some(name.as_str()) => {
                f.columns.push(column);
                f.ref_columns.push(ref_column);
            }
            _ => t.foreign_keys.push(ForeignKey {
                name: Some(name),
                columns: vec![column],
                ref_table,
                ref_columns: vec![ref_column],
                on_delete: Action::parse(&del).unwrap_or_default(),
                on_update: Action::parse(&upd).unwrap_or_default(),
                column: None,
            }),
        }
    }

    let checks: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(CONSTRAINT_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR)
         FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1, 2",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (table, name, clause) in checks {
        let Some(t) = tables.get_mut(&table) else { continue };
        let expr = expr::normalize(D, &clause).unwrap_or_default();
        // MariaDB spells JSON as LONGTEXT with a `json_valid` check.
        if let Some(col) = expr.strip_prefix("json_valid(").and_then(|r| r.strip_suffix(')'))
            && let Some(c) = t.column_mut(col)
            && c.ty == "longtext"
        {
            c.ty = "json".into();
            continue;
        }
        t.checks.push(Check { name: Some(name), expr, column: None });
    }

    let mut schema = Schema::default();
    for table in tables.into_values() {
        schema.insert_table(table);
    }
    schema.normalize(D);
    Ok(schema)
}
