//! The registry of lint rules, and what several of them read the same way.
//!
//! Each rule is a `static` [`Rule`] beside its check function and its tests (a catch and an
//! exemption at least), in the file of the dialects it reads; docs/lint.md has a section per
//! id (a test holds the two lists equal).

mod any;
mod mysql;
mod postgres;
mod sqlite;

use sqlparser::ast::{
    AlterTableOperation, ColumnDef, ColumnOption, Expr, ObjectName, Statement, TableFactor,
};

use super::Rule;
use super::walk::Cx;
use crate::types;

/// Every rule, in the order docs/lint.md lists them.
pub static RULES: &[&Rule] = &[
    // Any dialect.
    &any::DROP_TABLE,
    &any::DROP_COLUMN,
    &any::RENAME_TABLE,
    &any::RENAME_COLUMN,
    &any::NARROWING_TYPE_CHANGE,
    &any::NOT_NULL_WITHOUT_DEFAULT,
    &any::TRANSACTION_CONTROL,
    &any::INT_PRIMARY_KEY,
    &any::REDUNDANT_INDEX,
    // PostgreSQL.
    &postgres::INDEX_NOT_CONCURRENT,
    &postgres::DROP_INDEX_NOT_CONCURRENT,
    &postgres::NEEDS_NO_TRANSACTION,
    &postgres::CONSTRAINT_NOT_VALID,
    &postgres::VALIDATE_IN_SAME_TRANSACTION,
    &postgres::SET_NOT_NULL,
    &postgres::TYPE_CHANGE_REWRITE,
    &postgres::ADD_COLUMN_DEFAULT_REWRITE,
    &postgres::UNIQUE_NOT_USING_INDEX,
    &postgres::PRIMARY_KEY_NOT_USING_INDEX,
    &postgres::ENUM_VALUE_IN_TRANSACTION,
    &postgres::IDENTIFIER_TOO_LONG,
    &postgres::TRUNCATE_CASCADE,
    &postgres::TABLE_REWRITE_COMMAND,
    &postgres::BACKFILL_UNDER_LOCK,
    // MySQL and MariaDB.
    &mysql::TYPE_CHANGE_COPY,
    &mysql::PRIMARY_KEY_CHANGE,
    &mysql::FOREIGN_KEY_COPY,
    &mysql::EXPLICIT_LOCK,
    &mysql::FULLTEXT_INDEX,
    // SQLite.
    &sqlite::DROP_REFERENCED_TABLE,
    &sqlite::FOREIGN_KEYS_PRAGMA_IN_TRANSACTION,
    &sqlite::ADD_COLUMN_REFUSED,
    &sqlite::NEEDS_NEWER_SQLITE,
    &sqlite::TABLE_REBUILD,
];

/// The table an `ALTER TABLE` changes (its key as the schema holds it) and its operations.
fn alter_table<'a>(cx: &Cx<'a>) -> Option<(String, &'a ObjectName, &'a [AlterTableOperation])> {
    match cx.ast? {
        Statement::AlterTable(at) => Some((cx.name(&at.name), &at.name, &at.operations)),
        _ => None,
    }
}

/// [`alter_table`], when the table may hold rows.
fn alter_with_rows<'a>(cx: &Cx<'a>) -> Option<(String, &'a ObjectName, &'a [AlterTableOperation])> {
    alter_table(cx).filter(|(table, _, _)| cx.has_rows(table))
}

/// [`alter_table`], when a running release may use the table (the batch did not create it).
fn alter_released<'a>(cx: &Cx<'a>) -> Option<(String, &'a ObjectName, &'a [AlterTableOperation])> {
    alter_table(cx).filter(|(table, _, _)| cx.released(table))
}

/// The columns an `ALTER TABLE` adds.
fn added_columns(ops: &[AlterTableOperation]) -> impl Iterator<Item = &ColumnDef> {
    ops.iter().filter_map(|op| match op {
        AlterTableOperation::AddColumn { column_def, .. } => Some(column_def),
        _ => None,
    })
}

/// A column definition's default, if it has one.
fn default_of(def: &ColumnDef) -> Option<&Expr> {
    def.options.iter().find_map(|o| match &o.option {
        ColumnOption::Default(e) => Some(e),
        _ => None,
    })
}

/// A column definition's default, unless it is `NULL` (no value to fill the rows with).
fn value_default(def: &ColumnDef) -> Option<&Expr> {
    default_of(def).filter(|d| !matches!(d, Expr::Value(v) if v.value == sqlparser::ast::Value::Null))
}

fn is_not_null(def: &ColumnDef) -> bool {
    def.options.iter().any(|o| {
        matches!(&o.option, ColumnOption::NotNull) || matches!(&o.option, ColumnOption::PrimaryKey(_))
    })
}

/// Whether a column definition makes the database fill the column itself (identity, serial,
/// auto-increment, generated).
fn fills_itself(def: &ColumnDef) -> bool {
    let ty = def.data_type.to_string().to_ascii_lowercase();
    ty.contains("serial")
        || def.options.iter().any(|o| match &o.option {
            ColumnOption::Generated { .. } | ColumnOption::Identity(_) => true,
            ColumnOption::DialectSpecific(tokens) => {
                tokens.iter().any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT"))
            }
            _ => false,
        })
}

/// The table an `UPDATE` or `DELETE` writes, if it names one.
fn written_table(cx: &Cx<'_>) -> Option<(String, bool)> {
    match cx.ast? {
        Statement::Update(u) => match &u.table.relation {
            TableFactor::Table { name, .. } => Some((cx.name(name), u.selection.is_some())),
            _ => None,
        },
        Statement::Delete(d) => {
            let from = match &d.from {
                sqlparser::ast::FromTable::WithFromKeyword(t)
                | sqlparser::ast::FromTable::WithoutKeyword(t) => t,
            };
            match from.first().map(|t| &t.relation) {
                Some(TableFactor::Table { name, .. }) => Some((cx.name(name), d.selection.is_some())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Why changing a column from canonical type `old` to `new` can lose values or fail on rows
/// that fit `old`; `None` when every value of `old` fits `new` (or the two are unrelated in a
/// way strata does not judge).
fn narrowing(old: &str, new: &str) -> Option<String> {
    if old == new || types::widens(old, new) {
        return None;
    }
    let (ob, oa) = base_args(old);
    let (nb, na) = base_args(new);
    let number = |a: Option<&str>, i: usize| {
        a.and_then(|a| a.split(',').nth(i)).and_then(|n| n.trim().parse::<u64>().ok())
    };
    let string = |b: &str| matches!(b, "varchar" | "char" | "text" | "mediumtext" | "longtext" | "tinytext");
    let int_rank = |b: &str| match b.trim_end_matches(" unsigned") {
        "tinyint" => Some(1),
        "smallint" => Some(2),
        "mediumint" => Some(3),
        "integer" | "int" => Some(4),
        "bigint" => Some(5),
        _ => None,
    };
    if string(&ob) && string(&nb) {
        let limit = |b: &str, a: Option<&str>| match b {
            "tinytext" => Some(255),
            "text" if a.is_none() && old.contains("text") && new != "text" => None,
            _ => number(a, 0),
        };
        return match (limit(&ob, oa.as_deref()), limit(&nb, na.as_deref())) {
            (None, Some(n)) => Some(format!("values longer than {n} characters do not fit `{new}`")),
            (Some(o), Some(n)) if n < o => {
                Some(format!("`{new}` holds {n} characters where `{old}` held {o}"))
            }
            _ => None,
        };
    }
    if let (Some(o), Some(n)) = (int_rank(&ob), int_rank(&nb)) {
        return Some(if n < o {
            format!("`{new}` holds a smaller range of integers than `{old}`")
        } else {
            format!("`{new}` does not hold the negative values `{old}` can")
        });
    }
    if matches!(ob.as_str(), "numeric" | "decimal") && ob == nb {
        let (op, os) = (number(oa.as_deref(), 0), number(oa.as_deref(), 1).unwrap_or(0));
        let (np, ns) = (number(na.as_deref(), 0), number(na.as_deref(), 1).unwrap_or(0));
        return match (op, np) {
            (None, Some(_)) => Some(format!("`{new}` bounds the digits `{old}` did not")),
            (Some(op), Some(np)) if ns < os => {
                let _ = (op, np);
                Some(format!("`{new}` keeps {ns} decimal places where `{old}` kept {os}: values are rounded"))
            }
            (Some(op), Some(np)) if np - ns < op - os => {
                Some(format!("`{new}` holds {} integer digits where `{old}` held {}", np - ns, op - os))
            }
            _ => None,
        };
    }
    if ob == "enum" && nb == "enum" {
        let (o, n) = (
            types::enum_values(oa.as_deref().unwrap_or("")),
            types::enum_values(na.as_deref().unwrap_or("")),
        );
        let gone: Vec<&String> = o.iter().filter(|v| !n.contains(v)).collect();
        if !gone.is_empty() {
            let gone: Vec<String> = gone.iter().map(|v| format!("'{v}'")).collect();
            return Some(format!("`{new}` drops the value(s) {}", gone.join(", ")));
        }
    }
    if string(&ob) && !string(&nb) && !matches!(nb.as_str(), "json" | "jsonb" | "enum") {
        return Some(format!("text that does not read as `{new}` fails the change"));
    }
    None
}

/// `varchar(255)` as (`varchar`, Some(`255`)); the sign of MySQL's integers kept in the base.
fn base_args(ty: &str) -> (String, Option<String>) {
    match (ty.find('('), ty.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            let rest = ty[close + 1..].trim();
            let base =
                if rest.is_empty() { ty[..open].to_owned() } else { format!("{} {rest}", &ty[..open]) };
            (base, Some(ty[open + 1..close].to_owned()))
        }
        _ => (ty.to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::narrowing;

    #[test]
    fn narrowing_is_judged_from_both_types() {
        assert!(narrowing("varchar(100)", "varchar(50)").is_some());
        assert!(narrowing("varchar(50)", "varchar(100)").is_none());
        assert!(narrowing("text", "varchar(20)").is_some());
        assert!(narrowing("varchar(20)", "text").is_none());
        assert!(narrowing("bigint", "integer").is_some());
        assert!(narrowing("integer", "bigint").is_none());
        assert!(narrowing("int", "int unsigned").is_some());
        assert!(narrowing("numeric(10,2)", "numeric(10,1)").is_some());
        assert!(narrowing("numeric(10,2)", "numeric(12,2)").is_none());
        assert!(narrowing("decimal(10,2)", "decimal(8,2)").is_some());
        assert!(narrowing("enum('a','b')", "enum('a')").is_some());
        assert!(narrowing("enum('a')", "enum('a','b')").is_none());
        assert!(narrowing("text", "integer").is_some());
        assert!(narrowing("integer", "text").is_none());
    }
}
