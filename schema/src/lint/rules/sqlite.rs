//! SQLite: table rebuilds, foreign keys that stay on inside a transaction, and what its
//! `ALTER TABLE` refuses or needs a newer library for.

use sqlparser::ast::{AlterTableOperation, ColumnOption, Expr, ObjectType, Statement};
use sqlparser::tokenizer::Span;

use super::{added_columns, alter_table, alter_with_rows, default_of, value_default};
use crate::Dialect::Sqlite;
use crate::lint::walk::{Cx, Hit, span_of};
use crate::lint::{Level, Rule};
use crate::schema::{Action, key};

const LITE: &[crate::Dialect] = &[Sqlite];

const FOREIGN_KEYS_OFF: &str = "put `-- no-transaction` on the file's first line and `PRAGMA foreign_keys = OFF;` before the rebuild, then `PRAGMA foreign_key_check;` and `PRAGMA foreign_keys = ON;` after it (sqlite.org/lang_altertable.html, section 7)";

pub(crate) static DROP_REFERENCED_TABLE: Rule = Rule {
    id: "sqlite-drop-referenced-table",
    summary: "a table other tables' foreign keys point at is dropped while foreign keys are on",
    dialects: LITE,
    level: Level::Error,
    check: drop_referenced_table,
};

fn drop_referenced_table(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(Statement::Drop { object_type: ObjectType::Table, names, .. }) = cx.ast else { return };
    if cx.state.foreign_keys_off {
        return;
    }
    for n in names {
        let table = cx.name(n);
        if !cx.has_rows(&table) {
            continue;
        }
        let mut effects = Vec::new();
        for r in cx.schema.tables.values() {
            if r.name.eq_ignore_ascii_case(&table) || !cx.has_rows(&r.name) {
                continue;
            }
            for f in r.foreign_keys.iter().filter(|f| f.ref_table.eq_ignore_ascii_case(&table)) {
                effects.push(match f.on_delete {
                    Action::Cascade => {
                        format!("the rows of `{}` that point at them are deleted (ON DELETE CASCADE)", r.name)
                    }
                    Action::SetNull => {
                        format!("`{}.{}` is set to NULL (ON DELETE SET NULL)", r.name, f.columns.join(", "))
                    }
                    Action::SetDefault => format!(
                        "`{}.{}` is set to its default (ON DELETE SET DEFAULT)",
                        r.name,
                        f.columns.join(", ")
                    ),
                    _ => format!("the migration fails if `{}` holds a row that points at them", r.name),
                });
            }
        }
        if !effects.is_empty() {
            cx.hit(
                out,
                span_of(n),
                format!("drops `{table}` with foreign keys on (sqlx turns them on): SQLite deletes its rows first, so {}", effects.join("; ")),
                Some(FOREIGN_KEYS_OFF.into()),
            );
        }
    }
}

pub(crate) static FOREIGN_KEYS_PRAGMA_IN_TRANSACTION: Rule = Rule {
    id: "sqlite-foreign-keys-pragma-in-transaction",
    summary: "PRAGMA foreign_keys inside a transaction, where SQLite ignores it",
    dialects: LITE,
    level: Level::Error,
    check: foreign_keys_pragma_in_transaction,
};

fn foreign_keys_pragma_in_transaction(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    // A setting (`= OFF`, which sqlparser does not read, or `= 0`), not a query of it.
    let sets = cx.head.len() > 2 || matches!(cx.ast, Some(Statement::Pragma { value: Some(_), .. }));
    if cx.in_transaction && crate::lint::walk::is_foreign_keys_pragma(cx.head) && sets {
        cx.hit(
            out,
            Span::empty(),
            "SQLite ignores `PRAGMA foreign_keys` inside a transaction, and this migration runs in one: foreign keys stay as they were".into(),
            Some(FOREIGN_KEYS_OFF.into()),
        );
    }
}

pub(crate) static ADD_COLUMN_REFUSED: Rule = Rule {
    id: "sqlite-add-column-refused",
    summary: "ADD COLUMN that SQLite refuses on a table holding rows",
    dialects: LITE,
    level: Level::Error,
    check: add_column_refused,
};

fn add_column_refused(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_with_rows(cx) else { return };
    for column_def in added_columns(ops) {
        let col = cx.ident(&column_def.name);
        let constant = |e: &Expr| match e {
            Expr::Value(_) => true,
            Expr::UnaryOp { expr, .. } => matches!(**expr, Expr::Value(_)),
            _ => false,
        };
        let why = if let Some(d) = default_of(column_def).filter(|d| !constant(d)) {
            Some(format!(
                "its default `{d}` is not a constant (\"Cannot add a column with non-constant default\")"
            ))
        } else if column_def.options.iter().any(|o| {
            matches!(
                &o.option,
                ColumnOption::Generated {
                    generation_expr_mode: Some(sqlparser::ast::GeneratedExpressionMode::Stored),
                    ..
                }
            )
        }) {
            Some("it is a STORED generated column (\"cannot add a STORED column\")".to_owned())
        } else if column_def.options.iter().any(|o| matches!(o.option, ColumnOption::ForeignKey(_)))
            && value_default(column_def).is_some()
        {
            Some("it references another table with a default other than NULL (\"Cannot add a REFERENCES column with non-NULL default\")".to_owned())
        } else {
            None
        };
        if let Some(why) = why {
            cx.hit(
                out,
                column_def.name.span,
                format!("SQLite refuses to add `{table}.{col}` once the table holds a row: {why}"),
                Some("rebuild the table with the column (CREATE TABLE ..._new, INSERT INTO ..._new SELECT, DROP, RENAME), or add it nullable and fill it with an UPDATE".into()),
            );
        }
    }
}

pub(crate) static NEEDS_NEWER_SQLITE: Rule = Rule {
    id: "sqlite-needs-newer-version",
    summary: "a statement the oldest SQLite the migrations run on does not know",
    dialects: LITE,
    level: Level::Error,
    check: needs_newer_sqlite,
};

fn needs_newer_sqlite(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let mut needs: Vec<(&str, (u32, u32, u32))> = Vec::new();
    match cx.ast {
        Some(Statement::AlterTable(at)) => {
            for op in &at.operations {
                match op {
                    AlterTableOperation::RenameColumn { .. } => needs.push(("RENAME COLUMN", (3, 25, 0))),
                    AlterTableOperation::DropColumn { .. } => needs.push(("DROP COLUMN", (3, 35, 0))),
                    AlterTableOperation::AddColumn { column_def, .. }
                        if column_def
                            .options
                            .iter()
                            .any(|o| matches!(o.option, ColumnOption::Generated { .. })) =>
                    {
                        needs.push(("generated columns", (3, 31, 0)))
                    }
                    _ => {}
                }
            }
        }
        Some(Statement::CreateTable(ct)) => {
            if ct.strict {
                needs.push(("STRICT tables", (3, 37, 0)));
            }
            if ct
                .columns
                .iter()
                .any(|c| c.options.iter().any(|o| matches!(o.option, ColumnOption::Generated { .. })))
            {
                needs.push(("generated columns", (3, 31, 0)));
            }
        }
        _ => {}
    }
    for (what, version) in needs {
        if !cx.server.at_least(version) {
            let (a, b, c) = version;
            cx.hit(
                out,
                Span::empty(),
                format!("{what} needs SQLite {a}.{b}.{c}, and the migrations must run on {} (`[lint] server` in strata.toml)", cx.server),
                Some(format!("raise `server` in strata.toml if every database runs SQLite {a}.{b}.{c} or later; otherwise rebuild the table")),
            );
        }
    }
}

pub(crate) static TABLE_REBUILD: Rule = Rule {
    id: "sqlite-table-rebuild",
    summary: "a statement that rewrites every row of a table that may hold rows",
    dialects: LITE,
    level: Level::Warn,
    check: table_rebuild,
};

fn table_rebuild(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(ast) = cx.ast else { return };
    // A copy renamed into the place of a table this file dropped: the last step of a rebuild.
    for (from, to) in crate::replay::renames(cx.dialect, ast) {
        if let Some(old) = cx.state.dropped.get(&key(&to))
            && cx.state.copied.contains(&key(&to))
        {
            let _ = from;
            cx.hit(
                out,
                Span::empty(),
                format!("ends a rebuild of `{}`: every row was copied while SQLite held the database's write lock, so other writers waited (or got SQLITE_BUSY) the whole time", old.name),
                Some("keep rebuilds of large tables in a migration of their own, run when writes can wait".into()),
            );
        }
    }
    if let Some((table, _, ops)) = alter_table(cx)
        && cx.has_rows(&table)
        && ops.iter().any(|op| matches!(op, AlterTableOperation::DropColumn { .. }))
    {
        cx.hit(
            out,
            Span::empty(),
            format!(
                "DROP COLUMN rewrites every row of `{table}` while SQLite holds the database's write lock"
            ),
            Some("keep it in a migration of its own, run when writes can wait".into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{catches, catches_on, passes};

    const TWO: &str = "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);";
    const REBUILD: &str = "CREATE TABLE p_new (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO p_new (id) SELECT id FROM p;\nDROP TABLE p;\nALTER TABLE p_new RENAME TO p;";

    #[test]
    fn drop_referenced_table() {
        catches("sqlite-drop-referenced-table", "sqlite", &[TWO, REBUILD]);
        passes(
            "sqlite-drop-referenced-table",
            "sqlite",
            &[
                TWO,
                &format!(
                    "-- no-transaction\nPRAGMA foreign_keys = OFF;\n{REBUILD}\nPRAGMA foreign_key_check;\nPRAGMA foreign_keys = ON;"
                ),
            ],
        );
        // The referring table is new: nothing points at the rows yet.
        passes("sqlite-drop-referenced-table", "sqlite", &[&format!("{TWO}\n{REBUILD}")]);
    }

    #[test]
    fn foreign_keys_pragma_in_transaction() {
        catches(
            "sqlite-foreign-keys-pragma-in-transaction",
            "sqlite",
            &[TWO, &format!("PRAGMA foreign_keys = OFF;\n{REBUILD}")],
        );
        passes(
            "sqlite-foreign-keys-pragma-in-transaction",
            "sqlite",
            &[TWO, &format!("-- no-transaction\nPRAGMA foreign_keys = OFF;\n{REBUILD}")],
        );
    }

    #[test]
    fn add_column_refused() {
        let t = "CREATE TABLE t (a INTEGER);";
        catches(
            "sqlite-add-column-refused",
            "sqlite",
            &[t, "ALTER TABLE t ADD COLUMN at TEXT DEFAULT CURRENT_TIMESTAMP;"],
        );
        catches(
            "sqlite-add-column-refused",
            "sqlite",
            &[t, "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT (1 + 1);"],
        );
        passes("sqlite-add-column-refused", "sqlite", &[t, "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 0;"]);
        passes(
            "sqlite-add-column-refused",
            "sqlite",
            &[&format!("{t}\nALTER TABLE t ADD COLUMN at TEXT DEFAULT CURRENT_TIMESTAMP;")],
        );
    }

    #[test]
    fn needs_newer_version() {
        let t = "CREATE TABLE t (a INTEGER, b INTEGER);";
        catches_on(
            "sqlite-needs-newer-version",
            "sqlite",
            "sqlite 3.31",
            &[t, "ALTER TABLE t DROP COLUMN b;"],
        );
        catches_on(
            "sqlite-needs-newer-version",
            "sqlite",
            "3.24",
            &[t, "ALTER TABLE t RENAME COLUMN a TO c;"],
        );
        passes("sqlite-needs-newer-version", "sqlite", &[t, "ALTER TABLE t DROP COLUMN b;"]);
    }

    #[test]
    fn table_rebuild() {
        catches("sqlite-table-rebuild", "sqlite", &[TWO, REBUILD]);
        passes("sqlite-table-rebuild", "sqlite", &[&format!("{TWO}\n{REBUILD}")]);
    }
}
