//! PostgreSQL, through `pg_catalog`.

use std::collections::HashMap;

use sqlx::PgConnection;
use strata_schema::{
    Action, Check, Column, Dialect, ForeignKey, PrimaryKey, Schema, Table, Unique, expr, types,
};

use super::{IntrospectError, apply_definition, is_bookkeeping};

const D: Dialect = Dialect::Postgres;

/// table oid, attnum, name, type, not null, default, identity, generated
type ColumnRow = (i64, i32, String, String, bool, Option<String>, String, String);
/// table oid, name, kind, definition, columns, referenced table oid, referenced columns,
/// on update, on delete
type ConstraintRow = (i64, String, String, String, Vec<i32>, i64, Option<Vec<i32>>, String, String);

/// The schemas read: every one but the system's; only the one a fan-out runs on, when the
/// connection names it (`strata.schema`), whose tables are then named as unqualified names find
/// them.
const USER_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
     AND n.nspname = COALESCE(NULLIF(current_setting('strata.schema', true), ''), n.nspname)";

/// Reads the schema of the connected PostgreSQL database (every non-system schema), normalised.
pub async fn introspect_postgres(conn: &mut PgConnection) -> Result<Schema, IntrospectError> {
    let scope: Option<String> =
        sqlx::query_scalar("SELECT NULLIF(current_setting('strata.schema', true), '')")
            .fetch_one(&mut *conn)
            .await?;
    let home = scope.unwrap_or_else(|| "public".to_owned());
    let tables: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMAS} ORDER BY 2, 3"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut by_oid: HashMap<i64, Table> = HashMap::new();
    for (oid, nsp, rel) in &tables {
        if is_bookkeeping(rel) {
            continue;
        }
        let name = if *nsp == home { rel.clone() } else { format!("{nsp}.{rel}") };
        by_oid.insert(*oid, Table::new(name));
    }

    // Every column, with its number, so constraints (which list numbers) can name them.
    let columns: Vec<ColumnRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT a.attrelid::int8, a.attnum::int4, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND {USER_SCHEMAS}
         ORDER BY 1, 2"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut names: HashMap<(i64, i32), String> = HashMap::new();
    for (rel, num, name, ty, notnull, default, identity, generated) in columns {
        names.insert((rel, num), name.clone());
        let Some(table) = by_oid.get_mut(&rel) else { continue };
        let default = if generated.is_empty() { default } else { None };
        let serial = default.as_deref().is_some_and(|d| d.starts_with("nextval("));
        table.columns.push(Column {
            name,
            ty: types::canonical(D, &ty),
            nullable: !notnull,
            default: if serial { None } else { default.and_then(|d| expr::normalize(D, &d)) },
            auto_increment: serial || !identity.is_empty(),
        });
    }

    let constraints: Vec<ConstraintRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT co.conrelid::int8, co.conname::text, co.contype::text, pg_get_constraintdef(co.oid), co.conkey::int4[],
                    co.confrelid::int8, co.confkey::int4[], co.confupdtype::text, co.confdeltype::text
             FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE co.contype IN ('p', 'u', 'f', 'c') AND {USER_SCHEMAS}
             ORDER BY 1, 2"
        )))
        .fetch_all(&mut *conn)
        .await?;
    for (rel, name, kind, def, keys, frel, fkeys, upd, del) in constraints {
        let cols = |rel: i64, keys: &[i32]| -> Vec<String> {
            keys.iter().filter_map(|k| names.get(&(rel, *k)).cloned()).collect()
        };
        let columns = cols(rel, &keys);
        let ref_table = by_oid.get(&frel).map(|t| t.name.clone());
        let Some(table) = by_oid.get_mut(&rel) else { continue };
        match kind.as_str() {
            "p" => table.primary_key = Some(PrimaryKey { name: Some(name), columns }),
            "u" => table.uniques.push(Unique { name: Some(name), columns }),
            "f" => table.foreign_keys.push(ForeignKey {
                name: Some(name),
                columns,
                ref_table: ref_table.unwrap_or_default(),
                ref_columns: cols(frel, fkeys.as_deref().unwrap_or_default()),
                on_delete: Action::parse(&del).unwrap_or_default(),
                on_update: Action::parse(&upd).unwrap_or_default(),
                column: None,
            }),
            _ => {
                let body = def.trim().strip_prefix("CHECK").unwrap_or(&def).trim();
                let body = body.strip_suffix("NOT VALID").unwrap_or(body).trim();
                table.checks.push(Check {
                    name: Some(name),
                    expr: expr::normalize(D, body).unwrap_or_default(),
                    column: None,
                });
            }
        }
    }

    // Indexes that no constraint owns; read from their definition, as the replay reads one.
    let indexes: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT i.indrelid::int8, pg_get_indexdef(i.indexrelid)
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {USER_SCHEMAS} AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x'))
         ORDER BY 1, 2"
    )))
    .fetch_all(&mut *conn)
    .await?;
    // Views and materialized views; the indexes of the materialized ones.
    let views: Vec<(i64, String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('v', 'm') AND {USER_SCHEMAS} ORDER BY 2, 3"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut views: HashMap<i64, strata_schema::View> = views
        .into_iter()
        .map(|(oid, nsp, rel, kind)| {
            let name = if *nsp == home { rel } else { format!("{nsp}.{rel}") };
            (
                oid,
                strata_schema::View {
                    name,
                    materialized: kind == "m",
                    reads: Vec::new(),
                    indexes: Vec::new(),
                },
            )
        })
        .collect();
    for (rel, def) in indexes {
        if let Some(table) = by_oid.get_mut(&rel) {
            apply_definition(D, table, &def)?;
        } else if let Some(view) = views.get_mut(&rel) {
            // Read as the replay reads it, on a schema that holds the view alone.
            let mut scratch = Schema::default();
            scratch.views.insert(
                view.name.to_ascii_lowercase(),
                strata_schema::View { indexes: Vec::new(), ..view.clone() },
            );
            strata_schema::replay::apply_sql(D, &mut scratch, std::path::Path::new(&view.name), &def)
                .map_err(|e| IntrospectError::Definition { object: view.name.clone(), message: e.message })?;
            if let Some(v) = scratch.views.remove(&view.name.to_ascii_lowercase()) {
                view.indexes.extend(v.indexes);
            }
        }
    }

    let mut schema = Schema::default();
    for view in views.into_values() {
        schema.views.insert(view.name.to_ascii_lowercase(), view);
    }
    for table in by_oid.into_values() {
        schema.insert_table(table);
    }
    let enums: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.typname::text, e.enumlabel::text FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name, label) in enums {
        schema.enums.entry(name).or_default().push(label);
    }
    // Composite types made with `CREATE TYPE t AS (...)`: a relation of kind 'c'.
    let composites: Vec<(String, String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relkind = 'c' AND {USER_SCHEMAS} ORDER BY 1, 2, a.attnum"
    )))
    .fetch_all(&mut *conn)
    .await?;
    for (nsp, rel, attribute, ty) in composites {
        let name = if *nsp == home { rel } else { format!("{nsp}.{rel}") };
        schema.composites.entry(name).or_default().push((attribute, types::canonical(D, &ty)));
    }
    schema.normalize(D);
    Ok(schema)
}
