//! Rules for every dialect: what breaks the code still running, loses data, or fails on rows.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, CreateIndex, Expr, ObjectType, Statement,
    TableConstraint,
};

use super::{
    added_columns, alter_released, alter_with_rows, default_of, fills_itself, is_not_null, narrowing,
};
use crate::Dialect::{self, Mysql, Postgres, Sqlite};
use crate::lint::walk::{Cx, Hit, span_of};
use crate::lint::{Level, Rule};
use crate::types;

const ALL: &[Dialect] = &[Postgres, Mysql, Sqlite];

pub(crate) static DROP_TABLE: Rule = Rule {
    id: "drop-table",
    summary: "a table that may hold rows is dropped",
    dialects: ALL,
    level: Level::Error,
    check: drop_table,
};

fn drop_table(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(Statement::Drop { object_type: ObjectType::Table, names, .. }) = cx.ast else { return };
    for n in names {
        let table = cx.name(n);
        // A SQLite rebuild drops the table its rows were just copied out of.
        if cx.released(&table) && !cx.state.copied.contains(&crate::schema::key(&table)) {
            cx.hit(
                out,
                span_of(n),
                format!("drops `{table}` and every row in it; the release still running reads it until the new one is everywhere"),
                Some(format!(
                    "drop it in a later release than the one that stops using it, and say so here: `-- strata:allow drop-table: <why no code reads {table}>`"
                )),
            );
        }
    }
}

pub(crate) static DROP_COLUMN: Rule = Rule {
    id: "drop-column",
    summary: "a column of a table that may hold rows is dropped",
    dialects: ALL,
    level: Level::Error,
    check: drop_column,
};

fn drop_column(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_released(cx) else { return };
    for op in ops {
        if let AlterTableOperation::DropColumn { column_names, .. } = op {
            for c in column_names {
                let col = cx.ident(c);
                if !cx.column_released(&table, &col) {
                    continue;
                }
                out.push(Hit {
                    span: c.span,
                    message: format!("drops `{table}.{col}` and its values; the release still running selects or writes it until the new one is everywhere"),
                    help: Some(
                        "stop using the column first (and, with an ORM, stop selecting it), drop it in a later release, and say so here: `-- strata:allow drop-column: <why>`"
                            .into(),
                    ),
                    // Dropped to make way for a copy renamed into its place (a type change).
                    unless_back: Some((crate::schema::key(&table), Some(col.to_ascii_lowercase()))),
                });
            }
        }
    }
}

pub(crate) static RENAME_TABLE: Rule = Rule {
    id: "rename-table",
    summary: "a table that may hold rows is renamed",
    dialects: ALL,
    level: Level::Error,
    check: rename_table,
};

fn rename_table(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(ast) = cx.ast else { return };
    for (from, to) in crate::replay::renames(cx.dialect, ast) {
        if cx.released(&from) {
            out.push(Hit {
                span: sqlparser::tokenizer::Span::empty(),
                message: format!("renames `{from}` to `{to}`: the release still running queries `{from}` and fails until the new one is everywhere"),
                help: Some(format!(
                    "create the new name beside the old (a view `{to}` over `{from}`, or a copy kept in step), move the code, then drop the old name in a later release"
                )),
                // Renamed out of the way of a table made anew under the name (a rebuild).
                unless_back: Some((from, None)),
            });
        }
    }
}

pub(crate) static RENAME_COLUMN: Rule = Rule {
    id: "rename-column",
    summary: "a column of a table that may hold rows is renamed",
    dialects: ALL,
    level: Level::Error,
    check: rename_column,
};

fn rename_column(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_released(cx) else { return };
    for op in ops {
        let (old, new) = match op {
            AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                (old_column_name, new_column_name)
            }
            AlterTableOperation::ChangeColumn { old_name, new_name, .. } => (old_name, new_name),
            _ => continue,
        };
        let (o, n) = (cx.ident(old), cx.ident(new));
        if !o.eq_ignore_ascii_case(&n) && cx.column_released(&table, &o) {
            cx.hit(
                out,
                old.span,
                format!("renames `{table}.{o}` to `{n}`: the release still running reads and writes `{o}` and fails until the new one is everywhere"),
                Some(format!(
                    "add `{n}`, write both and backfill, move the reads to `{n}`, then drop `{o}` in a later release"
                )),
            );
        }
    }
}

pub(crate) static NARROWING_TYPE_CHANGE: Rule = Rule {
    id: "narrowing-type-change",
    summary: "a column's type changes to one that cannot hold every value the old one could",
    dialects: &[Postgres, Mysql],
    level: Level::Error,
    check: narrowing_type_change,
};

/// `(column, span, new type as written)` of each type change an `ALTER TABLE` makes.
pub(super) fn type_changes<'a>(
    cx: &Cx<'a>,
    ops: &'a [AlterTableOperation],
) -> Vec<(&'a sqlparser::ast::Ident, &'a sqlparser::ast::DataType, Option<&'a Expr>)> {
    let mut out = Vec::new();
    for op in ops {
        match op {
            AlterTableOperation::AlterColumn {
                column_name,
                op: AlterColumnOperation::SetDataType { data_type, using, .. },
            } => {
                out.push((column_name, data_type, using.as_ref()));
            }
            AlterTableOperation::ModifyColumn { col_name, data_type, .. } if cx.dialect == Mysql => {
                out.push((col_name, data_type, None));
            }
            AlterTableOperation::ChangeColumn { old_name, data_type, .. } if cx.dialect == Mysql => {
                out.push((old_name, data_type, None));
            }
            _ => {}
        }
    }
    out
}

fn narrowing_type_change(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_with_rows(cx) else { return };
    let Some(t) = cx.schema.table(&table) else { return };
    for (col, ty, _) in type_changes(cx, ops) {
        let Some(c) = t.column(&cx.ident(col)) else { continue };
        let new = types::canonical(cx.dialect, &ty.to_string());
        if let Some(why) = narrowing(&c.ty, &new) {
            cx.hit(
                out,
                col.span,
                format!("changes `{table}.{}` from `{}` to `{new}`: {why}", c.name, c.ty),
                Some(
                    "check the rows first (a query for the values that do not fit), or keep the wider type"
                        .into(),
                ),
            );
        }
    }
}

pub(crate) static NOT_NULL_WITHOUT_DEFAULT: Rule = Rule {
    id: "not-null-without-default",
    summary: "a NOT NULL column without a default is added to a table that may hold rows",
    dialects: ALL,
    level: Level::Error,
    check: not_null_without_default,
};

fn not_null_without_default(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_with_rows(cx) else { return };
    for column_def in added_columns(ops) {
        if !is_not_null(column_def) || default_of(column_def).is_some() || fills_itself(column_def) {
            continue;
        }
        let col = cx.ident(&column_def.name);
        let what = match cx.dialect {
            Postgres => "PostgreSQL refuses it as soon as the table holds a row".to_owned(),
            Sqlite => "SQLite refuses it as soon as the table holds a row".to_owned(),
            Mysql => {
                "MySQL and MariaDB give the rows already there the type's zero value ('' or 0), which reads as real data".to_owned()
            }
        };
        cx.hit(
            out,
            column_def.name.span,
            format!("adds `{table}.{col}` NOT NULL without a default: {what}"),
            Some("add it with a DEFAULT, or add it nullable, backfill it, then set NOT NULL in a later migration".into()),
        );
    }
}

pub(crate) static TRANSACTION_CONTROL: Rule = Rule {
    id: "transaction-control",
    summary: "BEGIN, COMMIT or ROLLBACK in a migration that runs in strata's transaction",
    dialects: ALL,
    level: Level::Error,
    check: transaction_control,
};

fn transaction_control(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    if !cx.transactional_file {
        return;
    }
    let what = match cx.ast {
        Some(Statement::StartTransaction { .. }) => "BEGIN",
        Some(Statement::Commit { .. }) => "COMMIT",
        Some(Statement::Rollback { savepoint: None, .. }) => "ROLLBACK",
        _ => return,
    };
    let result = match cx.dialect {
        Mysql => {
            "MySQL commits each DDL statement on its own and strata runs the file statement by statement, so the file's own BEGIN and COMMIT do not make it one transaction; they only end the transactions strata keeps around its record of progress"
        }
        Sqlite if what == "BEGIN" => "SQLite refuses a transaction inside a transaction",
        _ if what == "BEGIN" => {
            "it does not nest: the database warns or refuses, and a later COMMIT ends strata's own"
        }
        _ => {
            "it ends the transaction strata opened: what follows runs on its own, and a failure leaves the migration half-applied"
        }
    };
    cx.hit(
        out,
        sqlparser::tokenizer::Span::empty(),
        format!("`{what}` in a migration that strata runs in a transaction: {result}"),
        Some(
            "remove it; to control transactions yourself, put `-- no-transaction` on the file's first line"
                .into(),
        ),
    );
}

pub(crate) static INT_PRIMARY_KEY: Rule = Rule {
    id: "int-primary-key",
    summary: "an auto-incremented primary key of a 32-bit (or smaller) integer",
    dialects: &[Postgres, Mysql],
    level: Level::Warn,
    check: int_primary_key,
};

fn int_primary_key(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(Statement::CreateTable(ct)) = cx.ast else { return };
    let table_pk: Option<Vec<String>> = ct.constraints.iter().find_map(|c| match c {
        TableConstraint::PrimaryKey(pk) => {
            Some(pk.columns.iter().map(|c| c.column.expr.to_string()).collect())
        }
        _ => None,
    });
    for col in &ct.columns {
        let name = cx.ident(&col.name);
        let in_pk = col.options.iter().any(|o| matches!(o.option, ColumnOption::PrimaryKey(_)))
            || table_pk.as_ref().is_some_and(|pk| {
                pk.len() == 1 && pk[0].trim_matches(['"', '`']).eq_ignore_ascii_case(&name)
            });
        if !in_pk || !fills_itself(col) {
            continue;
        }
        let raw = col.data_type.to_string().to_ascii_lowercase();
        let ty = types::canonical(cx.dialect, &raw);
        let small = matches!(
            ty.trim_end_matches(" unsigned"),
            "integer" | "int" | "smallint" | "mediumint" | "tinyint"
        ) || matches!(raw.as_str(), "serial" | "serial4" | "smallserial" | "serial2");
        if small {
            cx.hit(
                out,
                col.name.span,
                format!("`{}.{name}` numbers its rows with `{raw}`, which runs out at about 2 billion (4 unsigned); changing it later rewrites the table and every key that points at it", cx.name(&ct.name)),
                Some(if cx.dialect == Postgres {
                    "use `bigint GENERATED ALWAYS AS IDENTITY` (or `bigserial`)".to_owned()
                } else {
                    "use `BIGINT UNSIGNED AUTO_INCREMENT`".to_owned()
                }),
            );
        }
    }
}

pub(crate) static REDUNDANT_INDEX: Rule = Rule {
    id: "redundant-index",
    summary: "an index whose columns an existing index already leads with",
    dialects: ALL,
    level: Level::Warn,
    check: redundant_index,
};

fn redundant_index(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(Statement::CreateIndex(CreateIndex {
        table_name,
        columns,
        unique: false,
        predicate: None,
        name,
        ..
    })) = cx.ast
    else {
        return;
    };
    let table = cx.name(table_name);
    let Some(t) = cx.schema.table(&table) else { return };
    let mut cols = Vec::new();
    for c in columns {
        match &c.column.expr {
            Expr::Identifier(i) => cols.push(cx.ident(i)),
            _ => return,
        }
    }
    let leads = |other: &[String]| {
        other.len() >= cols.len() && other.iter().zip(&cols).all(|(a, b)| a.eq_ignore_ascii_case(b))
    };
    let existing = t
        .indexes
        .iter()
        .filter(|i| !i.expression && i.predicate.is_none() && !i.generated)
        .map(|i| (format!("`{}`", i.name), &i.columns))
        .chain(t.uniques.iter().map(|u| {
            (u.name.as_ref().map_or_else(|| "a unique key".to_owned(), |n| format!("`{n}`")), &u.columns)
        }))
        .chain(t.primary_key.iter().map(|p| ("its primary key".to_owned(), &p.columns)));
    for (other, other_cols) in existing {
        if leads(other_cols) {
            let span = name.as_ref().map_or(sqlparser::tokenizer::Span::empty(), span_of);
            cx.hit(
                out,
                span,
                format!(
                    "`{table}` already has {other} on ({}), which serves every query this index on ({}) would; each write to `{table}` would update both",
                    other_cols.join(", "),
                    cols.join(", ")
                ),
                Some("leave this index out".into()),
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{catches, passes};

    #[test]
    fn drop_table() {
        catches("drop-table", "sqlite", &["CREATE TABLE t (a INT);", "DROP TABLE t;"]);
        catches("drop-table", "postgres", &["CREATE TABLE t (a INT);", "DROP TABLE IF EXISTS t;"]);
        // A table the same migration created holds no rows.
        passes("drop-table", "postgres", &["CREATE TABLE t (a INT);\nDROP TABLE t;"]);
        // Created by the same batch, even filled: no running release knows it.
        passes(
            "drop-table",
            "postgres",
            &[
                "CREATE TABLE s (a INT);",
                "CREATE TABLE t (a INT);\nINSERT INTO t SELECT a FROM s;\nDROP TABLE t;",
            ],
        );
        // A SQLite rebuild copies the rows out first.
        passes(
            "drop-table",
            "sqlite",
            &[
                "CREATE TABLE t (a INT);",
                "CREATE TABLE t_new (a INT NOT NULL);\nINSERT INTO t_new SELECT a FROM t;\nDROP TABLE t;\nALTER TABLE t_new RENAME TO t;",
            ],
        );
    }

    #[test]
    fn drop_column() {
        catches(
            "drop-column",
            "postgres",
            &["CREATE TABLE t (a INT, b INT);", "ALTER TABLE t DROP COLUMN b;"],
        );
        catches("drop-column", "mysql", &["CREATE TABLE t (a INT, b INT);", "ALTER TABLE t DROP COLUMN b;"]);
        passes("drop-column", "sqlite", &["CREATE TABLE t (a INT, b INT);\nALTER TABLE t DROP COLUMN b;"]);
        // A type change in place: a copy of the column renamed into the place of the old.
        let change = "ALTER TABLE t ADD COLUMN b__new BIGINT;\nUPDATE t SET b__new = b;\nALTER TABLE t DROP COLUMN b;\nALTER TABLE t RENAME COLUMN b__new TO b;";
        passes("drop-column", "sqlite", &["CREATE TABLE t (a INT, b INT);", change]);
        passes("rename-column", "sqlite", &["CREATE TABLE t (a INT, b INT);", change]);
    }

    #[test]
    fn rename_table() {
        catches("rename-table", "postgres", &["CREATE TABLE t (a INT);", "ALTER TABLE t RENAME TO u;"]);
        catches("rename-table", "mysql", &["CREATE TABLE t (a INT);", "RENAME TABLE t TO u;"]);
        passes("rename-table", "sqlite", &["CREATE TABLE t (a INT);\nALTER TABLE t RENAME TO u;"]);
        // Renamed out of the way of a table made anew under its name, in one migration.
        passes(
            "rename-table",
            "sqlite",
            &[
                "CREATE TABLE t (a INT);",
                "ALTER TABLE t RENAME TO old_t;\nCREATE TABLE t (a INT NOT NULL);\nINSERT INTO t SELECT a FROM old_t;\nDROP TABLE old_t;",
            ],
        );
    }

    #[test]
    fn rename_column() {
        catches(
            "rename-column",
            "postgres",
            &["CREATE TABLE t (a INT);", "ALTER TABLE t RENAME COLUMN a TO b;"],
        );
        catches("rename-column", "mysql", &["CREATE TABLE t (a INT);", "ALTER TABLE t CHANGE a b INT;"]);
        // CHANGE that keeps the name changes the type only.
        passes("rename-column", "mysql", &["CREATE TABLE t (a INT);", "ALTER TABLE t CHANGE a a BIGINT;"]);
        passes("rename-column", "sqlite", &["CREATE TABLE t (a INT);\nALTER TABLE t RENAME COLUMN a TO b;"]);
    }

    #[test]
    fn narrowing_type_change() {
        catches(
            "narrowing-type-change",
            "postgres",
            &["CREATE TABLE t (a VARCHAR(100));", "ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(50);"],
        );
        catches(
            "narrowing-type-change",
            "mysql",
            &["CREATE TABLE t (a BIGINT);", "ALTER TABLE t MODIFY a INT;"],
        );
        passes(
            "narrowing-type-change",
            "postgres",
            &["CREATE TABLE t (a VARCHAR(50));", "ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(100);"],
        );
        passes(
            "narrowing-type-change",
            "mysql",
            &["CREATE TABLE t (a INT);", "ALTER TABLE t MODIFY a BIGINT;"],
        );
    }

    #[test]
    fn not_null_without_default() {
        for dialect in ["postgres", "mysql", "sqlite"] {
            catches(
                "not-null-without-default",
                dialect,
                &["CREATE TABLE t (a INT);", "ALTER TABLE t ADD COLUMN b INT NOT NULL;"],
            );
            passes(
                "not-null-without-default",
                dialect,
                &["CREATE TABLE t (a INT);", "ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT 0;"],
            );
            passes(
                "not-null-without-default",
                dialect,
                &["CREATE TABLE t (a INT);\nALTER TABLE t ADD COLUMN b INT NOT NULL;"],
            );
        }
    }

    #[test]
    fn transaction_control() {
        catches("transaction-control", "postgres", &["CREATE TABLE t (a INT);\nCOMMIT;"]);
        catches("transaction-control", "sqlite", &["BEGIN;\nCREATE TABLE t (a INT);"]);
        passes(
            "transaction-control",
            "postgres",
            &["-- no-transaction\nBEGIN;\nCREATE TABLE t (a INT);\nCOMMIT;"],
        );
    }

    #[test]
    fn int_primary_key() {
        catches("int-primary-key", "postgres", &["CREATE TABLE t (id SERIAL PRIMARY KEY);"]);
        catches("int-primary-key", "mysql", &["CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY);"]);
        catches(
            "int-primary-key",
            "postgres",
            &["CREATE TABLE t (id INTEGER GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (id));"],
        );
        passes("int-primary-key", "postgres", &["CREATE TABLE t (id BIGSERIAL PRIMARY KEY);"]);
        // A key the rows bring themselves does not run out.
        passes("int-primary-key", "postgres", &["CREATE TABLE t (code INT PRIMARY KEY);"]);
    }

    #[test]
    fn redundant_index() {
        catches(
            "redundant-index",
            "sqlite",
            &["CREATE TABLE t (a INT, b INT);\nCREATE INDEX ab ON t (a, b);", "CREATE INDEX a ON t (a);"],
        );
        catches(
            "redundant-index",
            "postgres",
            &["CREATE TABLE t (a INT PRIMARY KEY);", "CREATE INDEX a ON t (a);"],
        );
        passes(
            "redundant-index",
            "sqlite",
            &["CREATE TABLE t (a INT, b INT);\nCREATE INDEX ab ON t (a, b);", "CREATE INDEX b ON t (b);"],
        );
    }
}
