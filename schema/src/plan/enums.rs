//! PostgreSQL enum types in a plan: created before the first column that uses one, extended
//! with `ADD VALUE`, recreated when a value goes or the order changes, dropped with their last
//! use. MySQL keeps an enum's values in the column type and SQLite in a check, which the
//! table steps already change.

use std::collections::BTreeMap;

use super::{Phase, Steps, Target};
use crate::model::enum_values_sql;
use crate::schema::{Column, Schema};
use crate::{Dialect, is_unmanaged, render};

/// Enum types by lowercased name, with their values in order.
pub type Enums = BTreeMap<String, Vec<String>>;

/// Each enum type of `wanted` that `current` lacks or holds with other values: its name and
/// what differs, in words.
pub fn differences(current: &Schema, wanted: &Enums) -> Vec<(String, String)> {
    wanted
        .iter()
        .filter_map(|(name, values)| {
            let message = match current.enums.get(name) {
                None => format!("enum type `{name}` is not created by any migration"),
                Some(have) if have != values => format!(
                    "enum type `{name}` has the values ({}) in the models, but ({}) in the migrations",
                    enum_values_sql(values),
                    enum_values_sql(have)
                ),
                Some(_) => return None,
            };
            Some((name.clone(), message))
        })
        .collect()
}

/// Whether a column of type `ty` holds enum `name` (or an array of it).
fn holds(ty: &str, name: &str) -> bool {
    ty.eq_ignore_ascii_case(name) || ty.strip_suffix("[]").is_some_and(|t| t.eq_ignore_ascii_case(name))
}

/// The steps that give `from` (normalised) the enum types `wanted`, once the table steps in
/// `st` are known (their renames name the columns to retype).
pub(super) fn steps(
    d: Dialect,
    from: &Schema,
    targets: &[Target],
    wanted: &Enums,
    unmanaged: &[String],
    st: &mut Steps,
) {
    let q = |s: &str| d.quote_ident(s);
    let (renamed_tables, renamed_columns) = (st.renamed_tables.clone(), st.renamed_columns.clone());
    // Where a column of `from` is once the plan has run: its table and column under their
    // new names, and the column the model wants there (`None` in a table strata does not
    // manage); `None` when it goes with its table or column.
    let after = |table: &str, column: &str| -> Option<(String, String, Option<Column>)> {
        if is_unmanaged(unmanaged, table) {
            return Some((table.to_owned(), column.to_owned(), None));
        }
        let new_table = renamed_tables.get(&table.to_ascii_lowercase()).map_or(table, String::as_str);
        let renames = renamed_columns.get(&table.to_ascii_lowercase());
        let new_column = renames
            .and_then(|r| r.iter().find(|(f, _)| f.eq_ignore_ascii_case(column)))
            .map_or(column, |(_, to)| to.as_str());
        let target = targets.iter().find(|t| t.table.name.eq_ignore_ascii_case(new_table))?;
        let c = target.table.column(new_column)?;
        Some((new_table.to_owned(), new_column.to_owned(), Some(c.clone())))
    };
    let uses = |name: &str| -> Vec<(&crate::schema::Table, &crate::schema::Column)> {
        from.tables
            .values()
            .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
            .filter(|(_, c)| holds(&c.ty, name))
            .collect()
    };
    for (name, values) in wanted {
        let list = enum_values_sql(values);
        let Some(have) = from.enums.get(name) else {
            st.push(Phase::CreateTypes, format!("CREATE TYPE {} AS ENUM ({list});", q(name)));
            st.changes.push(format!("+ enum {name} ({list})"));
            st.names.push(format!("create_enum_{name}"));
            continue;
        };
        if have == values {
            continue;
        }
        if is_subsequence(have, values) {
            for (i, v) in values.iter().enumerate().filter(|(_, v)| !have.contains(v)) {
                let value = literal(v);
                let position = values[i + 1..]
                    .iter()
                    .find(|n| have.contains(n))
                    .map_or(String::new(), |n| format!(" BEFORE {}", literal(n)));
                st.push(Phase::CreateTypes, format!("ALTER TYPE {} ADD VALUE {value}{position};", q(name)));
                st.changes.push(format!("~ enum {name}: + {value}"));
                st.names.push(format!("add_{v}_to_{name}"));
                st.added_values.push(value);
            }
            continue;
        }
        // PostgreSQL cannot take a value out of an enum or reorder one: the type is made anew
        // and every column that holds it converted through text.
        for gone in have.iter().filter(|v| !values.contains(v)) {
            st.warnings.push(format!(
                "takes {} out of enum `{name}`: the migration fails if a row holds it",
                literal(gone)
            ));
        }
        let old = (1..)
            .map(|n| if n == 1 { format!("{name}_old") } else { format!("{name}_old{n}") })
            .find(|o| {
                !from.enums.contains_key(o) && !from.composites.contains_key(o) && from.table(o).is_none()
            })
            .unwrap_or_default();
        st.push(Phase::CreateTypes, format!("ALTER TYPE {} RENAME TO {};", q(name), q(&old)));
        st.push(Phase::CreateTypes, format!("CREATE TYPE {} AS ENUM ({list});", q(name)));
        for (t, c) in uses(name) {
            let Some((table, column, wanted)) = after(&t.name, &c.name) else { continue };
            if wanted.as_ref().is_some_and(|w| !holds(&w.ty, name)) {
                continue; // the table steps give it another type
            }
            // The default the column ends with; the table steps set any other.
            let default = match &wanted {
                Some(w) => w.default.as_ref(),
                None => c.default.as_ref(),
            };
            let array = if c.ty.ends_with("[]") { "[]" } else { "" };
            let alter = format!("ALTER TABLE {} ALTER COLUMN {}", q(&table), q(&column));
            if c.default.is_some() {
                st.push(Phase::CreateTypes, format!("{alter} DROP DEFAULT;"));
            }
            st.push(
                Phase::CreateTypes,
                format!(
                    "{alter} TYPE {}{array} USING {}::text{array}::{}{array};",
                    q(name),
                    q(&column),
                    q(name)
                ),
            );
            if let Some(default) = default {
                st.push(
                    Phase::CreateTypes,
                    format!("{alter} SET DEFAULT {};", render::default_sql(d, default)),
                );
            }
        }
        st.push(Phase::DropTypes, format!("DROP TYPE {};", q(&old)));
        st.changes.push(format!("~ enum {name}: ({}) -> ({list})", enum_values_sql(have)));
        st.names.push(format!("alter_enum_{name}"));
    }
    // A type whose last column goes, and that the models no longer use, goes too; one that a
    // table strata does not manage uses stays.
    for name in from.enums.keys().filter(|n| !wanted.contains_key(*n)) {
        let users = uses(name);
        let ours = users.iter().any(|(t, _)| !is_unmanaged(unmanaged, &t.name));
        let kept = users.iter().any(|(t, c)| {
            after(&t.name, &c.name).is_some_and(|(_, _, w)| w.is_none_or(|w| holds(&w.ty, name)))
        });
        if ours && !kept {
            st.push(Phase::DropTypes, format!("DROP TYPE {};", q(name)));
            st.changes.push(format!("- enum {name}"));
            st.names.push(format!("drop_enum_{name}"));
        }
    }
}

fn literal(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

/// Whether `old` appears in `new` in the same order (values were only added).
fn is_subsequence(old: &[String], new: &[String]) -> bool {
    let mut rest = new.iter();
    old.iter().all(|o| rest.any(|n| n == o))
}
