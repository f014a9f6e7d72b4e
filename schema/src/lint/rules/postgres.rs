//! PostgreSQL: locks held while a table is scanned or rewritten, and what a transaction
//! block refuses.

use std::ops::ControlFlow;

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, AlterTypeOperation, ColumnOption, Expr, ObjectType, Statement,
    TableConstraint, Value, visit_expressions,
};
use sqlparser::tokenizer::Span;

use super::{
    added_columns, alter_table, alter_with_rows, any::type_changes, base_args, value_default, written_table,
};
use crate::Dialect::Postgres;
use crate::lint::walk::{Cx, Hit, span_of};
use crate::lint::{Level, Rule, Server};
use crate::schema::key;
use crate::{expr, types};

const PG: &[crate::Dialect] = &[Postgres];

const NO_TRANSACTION: &str = "in a migration of its own with `-- no-transaction` on its first line";

pub(crate) static INDEX_NOT_CONCURRENT: Rule = Rule {
    id: "index-not-concurrent",
    summary: "an index is built without CONCURRENTLY on a table that may hold rows",
    dialects: PG,
    level: Level::Error,
    check: index_not_concurrent,
};

fn index_not_concurrent(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(Statement::CreateIndex(ci)) = cx.ast else { return };
    let table = cx.name(&ci.table_name);
    if ci.concurrently || !cx.has_rows(&table) {
        return;
    }
    cx.hit(
        out,
        span_of(&ci.table_name),
        format!("builds an index on `{table}` without CONCURRENTLY: every insert, update and delete on `{table}` waits until the whole table is read and sorted"),
        Some(format!("`CREATE INDEX CONCURRENTLY` {NO_TRANSACTION}")),
    );
}

pub(crate) static DROP_INDEX_NOT_CONCURRENT: Rule = Rule {
    id: "drop-index-not-concurrent",
    summary: "an index of a table that may hold rows is dropped without CONCURRENTLY",
    dialects: PG,
    level: Level::Error,
    check: drop_index_not_concurrent,
};

fn drop_index_not_concurrent(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(Statement::Drop { object_type: ObjectType::Index, names, .. }) = cx.ast else { return };
    if cx.head.get(2).is_some_and(|w| w == "CONCURRENTLY") {
        return;
    }
    for n in names {
        let index = cx.name(n);
        let Some(table) = cx.schema.table_of_index(&index) else { continue };
        if cx.has_rows(table) {
            cx.hit(
                out,
                span_of(n),
                format!("drops `{index}` without CONCURRENTLY: it takes an ACCESS EXCLUSIVE lock on `{table}`, and every query on `{table}` queues behind it while it waits for the running ones"),
                Some(format!("`DROP INDEX CONCURRENTLY` {NO_TRANSACTION}")),
            );
        }
    }
}

pub(crate) static NEEDS_NO_TRANSACTION: Rule = Rule {
    id: "needs-no-transaction",
    summary: "a statement PostgreSQL refuses inside a transaction block runs in one",
    dialects: PG,
    level: Level::Error,
    check: needs_no_transaction,
};

fn needs_no_transaction(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    if !cx.in_transaction {
        return;
    }
    let what = match cx.ast {
        Some(Statement::CreateIndex(ci)) if ci.concurrently => "CREATE INDEX CONCURRENTLY",
        Some(Statement::Drop { object_type: ObjectType::Index, .. })
            if cx.starts(&["DROP", "INDEX", "CONCURRENTLY"]) =>
        {
            "DROP INDEX CONCURRENTLY"
        }
        Some(Statement::AlterType(at))
            if matches!(at.operation, AlterTypeOperation::AddValue(_)) && !cx.server.at_least((12, 0, 0)) =>
        {
            "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)"
        }
        _ if cx.starts(&["REINDEX"]) && cx.head.iter().any(|w| w == "CONCURRENTLY") => "REINDEX CONCURRENTLY",
        _ if cx.starts(&["VACUUM"]) => "VACUUM",
        _ if cx.starts(&["CREATE", "DATABASE"]) || cx.starts(&["DROP", "DATABASE"]) => "CREATE/DROP DATABASE",
        _ if cx.starts(&["ALTER", "SYSTEM"]) => "ALTER SYSTEM",
        _ => return,
    };
    let why = if cx.transactional_file {
        "strata runs this migration in a transaction"
    } else {
        "it follows a BEGIN"
    };
    cx.hit(
        out,
        Span::empty(),
        format!("PostgreSQL refuses `{what}` inside a transaction block, and {why}: the migration fails"),
        Some(format!("run it {NO_TRANSACTION}")),
    );
}

pub(crate) static CONSTRAINT_NOT_VALID: Rule = Rule {
    id: "constraint-not-valid",
    summary: "a foreign key or check is added without NOT VALID to a table that may hold rows",
    dialects: PG,
    level: Level::Error,
    check: constraint_not_valid,
};

fn constraint_not_valid(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, name, ops)) = alter_with_rows(cx) else { return };
    for op in ops {
        let AlterTableOperation::AddConstraint { constraint, not_valid: false } = op else { continue };
        let (what, cname) = match constraint {
            TableConstraint::ForeignKey(f) => ("foreign key", f.name.as_ref()),
            TableConstraint::Check(c) => ("check", c.name.as_ref()),
            _ => continue,
        };
        let cname = cname.map_or_else(|| "<name>".to_owned(), |n| cx.ident(n));
        let lock = if what == "foreign key" {
            "a SHARE ROW EXCLUSIVE lock on both tables"
        } else {
            "an ACCESS EXCLUSIVE lock"
        };
        cx.hit(
            out,
            span_of(name),
            format!("adds a {what} to `{table}` and checks every row under {lock}: writes to `{table}` wait for the whole scan"),
            Some(format!(
                "add it with `NOT VALID` (new rows are checked at once), then `ALTER TABLE {table} VALIDATE CONSTRAINT {cname}` in a later migration, which lets writes go on"
            )),
        );
    }
}

pub(crate) static VALIDATE_IN_SAME_TRANSACTION: Rule = Rule {
    id: "validate-in-same-transaction",
    summary: "a constraint added NOT VALID is validated in the same transaction",
    dialects: PG,
    level: Level::Error,
    check: validate_in_same_transaction,
};

fn validate_in_same_transaction(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_table(cx) else { return };
    for op in ops {
        let AlterTableOperation::ValidateConstraint { name } = op else { continue };
        let c = cx.ident(name).to_ascii_lowercase();
        if cx.state.not_valid_here.contains(&(key(&table), c.clone())) {
            cx.hit(
                out,
                name.span,
                format!("validates `{c}` in the transaction that added it NOT VALID: the lock the ADD took on `{table}` is held through the whole scan, as if NOT VALID were not there"),
                Some("validate it in a later migration".into()),
            );
        }
    }
}

pub(crate) static SET_NOT_NULL: Rule = Rule {
    id: "set-not-null",
    summary: "SET NOT NULL on a table that may hold rows, without a validated CHECK (col IS NOT NULL)",
    dialects: PG,
    level: Level::Error,
    check: set_not_null,
};

fn set_not_null(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_with_rows(cx) else { return };
    let Some(t) = cx.schema.table(&table) else { return };
    for op in ops {
        let AlterTableOperation::AlterColumn { column_name, op: AlterColumnOperation::SetNotNull } = op
        else {
            continue;
        };
        let col = cx.ident(column_name);
        if t.column(&col).is_some_and(|c| !c.nullable) {
            continue;
        }
        let wanted = expr::normalize(Postgres, &format!("{} IS NOT NULL", Postgres.quote_ident(&col)));
        let proven = cx.server.at_least((12, 0, 0))
            && t.checks.iter().any(|c| {
                Some(&c.expr) == wanted.as_ref()
                    && !c
                        .name
                        .as_ref()
                        .is_some_and(|n| cx.state.not_valid.contains(&(key(&table), n.to_ascii_lowercase())))
            });
        if proven {
            continue;
        }
        let help = if cx.server.at_least((12, 0, 0)) {
            format!(
                "add `CONSTRAINT {col}_not_null CHECK ({col} IS NOT NULL) NOT VALID`, validate it in a later migration, then SET NOT NULL (which then reads no row) and drop the check"
            )
        } else {
            format!(
                "{} cannot skip the scan (PostgreSQL 12 can, with a validated CHECK ({col} IS NOT NULL))",
                cx.server
            )
        };
        cx.hit(
            out,
            column_name.span,
            format!("sets `{table}.{col}` NOT NULL: PostgreSQL reads every row to check it, holding an ACCESS EXCLUSIVE lock that stops reads and writes of `{table}`"),
            Some(help),
        );
    }
}

pub(crate) static TYPE_CHANGE_REWRITE: Rule = Rule {
    id: "type-change-rewrite",
    summary: "a column type change that makes PostgreSQL rewrite the table",
    dialects: PG,
    level: Level::Error,
    check: type_change_rewrite,
};

/// Whether PostgreSQL rewrites (or scans) a table to change a column from canonical type
/// `old` to `new` on `server`: not when the old values are valid as they are (a longer or
/// unbounded varchar, varchar to text, more numeric digits with the same scale, a finer or
/// unbounded time precision, cidr to inet), nor, from PostgreSQL 12, between timestamp and
/// timestamptz when the session's time zone is UTC, as it is on sqlx's connections, which
/// strata migrates through.
pub(crate) fn rewrites(old: &str, new: &str, server: &Server) -> bool {
    if old == new {
        return false;
    }
    let (ob, oa) = base_args(old);
    let (nb, na) = base_args(new);
    let n = |a: &Option<String>, i: usize| {
        a.as_deref().and_then(|a| a.split(',').nth(i)).and_then(|x| x.trim().parse::<u32>().ok())
    };
    let wider = |i: usize| match (n(&oa, i), n(&na, i)) {
        (_, None) => na.is_none(),
        (None, Some(_)) => false,
        (Some(o), Some(w)) => w >= o,
    };
    let same = ob == nb;
    let no_rewrite = match (ob.as_str(), nb.as_str()) {
        ("varchar", "varchar") => wider(0),
        ("varchar", "text") => true,
        ("text", "varchar") => na.is_none(),
        ("numeric", "numeric") => {
            na.is_none() || (oa.is_some() && n(&oa, 1).unwrap_or(0) == n(&na, 1).unwrap_or(0) && wider(0))
        }
        ("timestamp" | "timestamptz" | "time" | "timetz" | "interval", _) if same => wider(0),
        ("cidr", "inet") => true,
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp") => {
            server.at_least((12, 0, 0)) && wider(0)
        }
        _ => false,
    };
    !no_rewrite
}

fn type_change_rewrite(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_with_rows(cx) else { return };
    let Some(t) = cx.schema.table(&table) else { return };
    for (col, ty, using) in type_changes(cx, ops) {
        let Some(c) = t.column(&cx.ident(col)) else { continue };
        let new = types::canonical(Postgres, &ty.to_string());
        // `USING` other than the column itself computes every value again.
        let computed =
            using.is_some_and(|u| !matches!(u, Expr::Identifier(i) if i.value.eq_ignore_ascii_case(&c.name)));
        if !computed && !rewrites(&c.ty, &new, &cx.server) {
            continue;
        }
        let why = if computed {
            "its USING expression is computed for every row".to_owned()
        } else {
            format!("`{}` values are not valid `{new}` as they are stored", c.ty)
        };
        cx.hit(
            out,
            col.span,
            format!("changes `{table}.{}` from `{}` to `{new}`: PostgreSQL rewrites the table and rebuilds its indexes under an ACCESS EXCLUSIVE lock ({why})", c.name, c.ty),
            Some(format!(
                "add a column of the new type, fill it in batches and keep it in step (a trigger), switch the code, then drop `{}` in a later release",
                c.name
            )),
        );
    }
}

pub(crate) static ADD_COLUMN_DEFAULT_REWRITE: Rule = Rule {
    id: "add-column-default-rewrite",
    summary: "a column added with a default PostgreSQL must compute for every row",
    dialects: PG,
    level: Level::Error,
    check: add_column_default_rewrite,
};

/// Functions whose value changes from row to row (PostgreSQL's VOLATILE ones among the
/// built-ins and common extensions).
const VOLATILE: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setval",
];

fn add_column_default_rewrite(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_with_rows(cx) else { return };
    for column_def in added_columns(ops) {
        let col = cx.ident(&column_def.name);
        let ty = column_def.data_type.to_string().to_ascii_lowercase();
        let stored = column_def
            .options
            .iter()
            .any(|o| matches!(o.option, ColumnOption::Generated { generation_expr: Some(_), .. }));
        let why = if ty.contains("serial") {
            Some(format!("`{ty}` numbers every row already there"))
        } else if stored {
            Some("a generated column is computed and stored for every row".to_owned())
        } else if let Some(d) = value_default(column_def) {
            let mut called: Option<String> = None;
            let _ = visit_expressions(d, |e| {
                if let Expr::Function(f) = e {
                    let name = f.name.to_string().to_ascii_lowercase();
                    let name = name.rsplit('.').next().unwrap_or(&name).to_owned();
                    if VOLATILE.contains(&name.as_str()) || cx.schema.functions.contains(&name) {
                        called = Some(name);
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            });
            match called {
                Some(f) if cx.schema.functions.contains(&f) => Some(format!(
                    "`{f}()`, which the history defines, is VOLATILE unless it says otherwise: then it is called once per row"
                )),
                Some(f) => Some(format!("`{f}()` is VOLATILE: it is called once per row")),
                None if !cx.server.at_least((11, 0, 0)) => Some(format!(
                    "{} stores any default in every row (PostgreSQL 11 stores a constant once)",
                    cx.server
                )),
                None => None,
            }
        } else {
            None
        };
        if let Some(why) = why {
            cx.hit(
                out,
                column_def.name.span,
                format!("adds `{table}.{col}` with a value for every row: PostgreSQL rewrites the table under an ACCESS EXCLUSIVE lock ({why})"),
                Some("add the column with no default (or a constant one), set the default for new rows, and fill the old rows in batches".into()),
            );
        }
    }
}

pub(crate) static UNIQUE_NOT_USING_INDEX: Rule = Rule {
    id: "unique-not-using-index",
    summary: "a unique constraint builds its index in place on a table that may hold rows",
    dialects: PG,
    level: Level::Error,
    check: unique_not_using_index,
};

fn unique_not_using_index(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    in_place_index(cx, out, false);
}

pub(crate) static PRIMARY_KEY_NOT_USING_INDEX: Rule = Rule {
    id: "primary-key-not-using-index",
    summary: "a primary key builds its index in place on a table that may hold rows",
    dialects: PG,
    level: Level::Error,
    check: primary_key_not_using_index,
};

fn primary_key_not_using_index(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    in_place_index(cx, out, true);
}

fn in_place_index(cx: &Cx<'_>, out: &mut Vec<Hit>, primary: bool) {
    let Some((table, name, ops)) = alter_with_rows(cx) else { return };
    for op in ops {
        let AlterTableOperation::AddConstraint { constraint, .. } = op else { continue };
        let (what, cname, cols) = match constraint {
            TableConstraint::Unique(u) if !primary => ("UNIQUE", u.name.as_ref(), &u.columns),
            TableConstraint::PrimaryKey(p) if primary => ("PRIMARY KEY", p.name.as_ref(), &p.columns),
            _ => continue,
        };
        let cname = cname.map_or_else(|| format!("{table}_key"), |n| cx.ident(n));
        let cols: Vec<String> = cols.iter().map(|c| c.column.expr.to_string()).collect();
        cx.hit(
            out,
            span_of(name),
            format!("adds {what} to `{table}`, building its index under an ACCESS EXCLUSIVE lock: reads and writes of `{table}` wait for the whole build"),
            Some(format!(
                "`CREATE UNIQUE INDEX CONCURRENTLY {cname} ON {table} ({})` {NO_TRANSACTION}, then `ALTER TABLE {table} ADD CONSTRAINT {cname} {what} USING INDEX {cname}`",
                cols.join(", ")
            )),
        );
    }
}

pub(crate) static ENUM_VALUE_IN_TRANSACTION: Rule = Rule {
    id: "enum-value-in-transaction",
    summary: "an enum value is used in the transaction that added it",
    dialects: PG,
    level: Level::Error,
    check: enum_value_in_transaction,
};

fn enum_value_in_transaction(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    if !cx.in_transaction || cx.state.enum_values.is_empty() {
        return;
    }
    let Some(ast) = cx.ast else { return };
    let mut used: Option<(String, String, Span)> = None;
    let _ = visit_expressions(ast, |e| {
        if let Expr::Value(v) = e
            && let Value::SingleQuotedString(s) = &v.value
            && let Some((ty, value)) = cx.state.enum_values.iter().find(|(_, value)| value == s)
        {
            used = Some((ty.clone(), value.clone(), v.span));
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    if let Some((ty, value, span)) = used {
        cx.hit(
            out,
            span,
            format!("uses '{value}', which this transaction added to `{ty}`: PostgreSQL refuses a new enum value until the transaction that added it commits (\"unsafe use of new value\")"),
            Some("add the value in a migration of its own, before the one that uses it".into()),
        );
    }
}

pub(crate) static IDENTIFIER_TOO_LONG: Rule = Rule {
    id: "identifier-too-long",
    summary: "a name longer than PostgreSQL's 63 bytes, which it cuts short",
    dialects: PG,
    level: Level::Error,
    check: identifier_too_long,
};

fn identifier_too_long(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(ast) = cx.ast else { return };
    // (name, span, table whose columns share its namespace; None: relations and types)
    let mut names: Vec<(String, Span, Option<String>)> = Vec::new();
    let relation = |i: &sqlparser::ast::Ident| (cx.ident(i), i.span, None);
    match ast {
        Statement::CreateTable(ct) => {
            if let Some(i) = ct.name.0.last().and_then(|p| p.as_ident()) {
                names.push(relation(i));
            }
            let table = cx.name(&ct.name);
            for c in &ct.columns {
                names.push((cx.ident(&c.name), c.name.span, Some(table.clone())));
            }
        }
        Statement::CreateIndex(ci) => {
            if let Some(i) = ci.name.as_ref().and_then(|n| n.0.last()).and_then(|p| p.as_ident()) {
                names.push(relation(i));
            }
        }
        Statement::AlterTable(at) => {
            let table = cx.name(&at.name);
            for op in &at.operations {
                match op {
                    AlterTableOperation::AddColumn { column_def, .. } => {
                        names.push((cx.ident(&column_def.name), column_def.name.span, Some(table.clone())));
                    }
                    AlterTableOperation::RenameColumn { new_column_name, .. } => {
                        names.push((cx.ident(new_column_name), new_column_name.span, Some(table.clone())));
                    }
                    AlterTableOperation::AddConstraint { constraint, .. } => {
                        let n = match constraint {
                            TableConstraint::ForeignKey(f) => f.name.as_ref(),
                            TableConstraint::Check(c) => c.name.as_ref(),
                            TableConstraint::Unique(u) => u.name.as_ref(),
                            TableConstraint::PrimaryKey(p) => p.name.as_ref(),
                            _ => None,
                        };
                        if let Some(n) = n {
                            names.push(relation(n));
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    for (name, span, table) in names {
        if name.len() <= 63 {
            continue;
        }
        let mut end = 63;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        let cut = &name[..end];
        let taken = match &table {
            Some(t) => cx.schema.table(t).and_then(|t| t.column(cut)).map(|c| format!("column `{}`", c.name)),
            None => cx
                .schema
                .table(cut)
                .map(|t| format!("table `{}`", t.name))
                .or_else(|| cx.schema.table_of_index(cut).map(|t| format!("an index of `{t}`"))),
        };
        let message = match taken {
            Some(other) => format!(
                "`{name}` is {} bytes: PostgreSQL cuts it to `{cut}`, which is already the name of the {other}",
                name.len()
            ),
            None => format!(
                "`{name}` is {} bytes: PostgreSQL cuts it to `{cut}` without an error, so the name in the database is not the one in the file",
                name.len()
            ),
        };
        cx.hit(out, span, message, Some("give it a name of at most 63 bytes".into()));
    }
}

pub(crate) static TRUNCATE_CASCADE: Rule = Rule {
    id: "truncate-cascade",
    summary: "TRUNCATE ... CASCADE empties the tables that point at the table too",
    dialects: PG,
    level: Level::Error,
    check: truncate_cascade,
};

fn truncate_cascade(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some(Statement::Truncate(t)) = cx.ast else { return };
    if !matches!(t.cascade, Some(sqlparser::ast::CascadeOption::Cascade)) {
        return;
    }
    for target in &t.table_names {
        let table = cx.name(&target.name);
        let referrers: Vec<&str> = cx
            .schema
            .tables
            .values()
            .filter(|r| {
                !r.name.eq_ignore_ascii_case(&table)
                    && r.foreign_keys.iter().any(|f| f.ref_table.eq_ignore_ascii_case(&table))
            })
            .filter(|r| cx.has_rows(&r.name))
            .map(|r| r.name.as_str())
            .collect();
        if !referrers.is_empty() {
            cx.hit(
                out,
                span_of(&target.name),
                format!("TRUNCATE `{table}` CASCADE also empties `{}`, whose foreign keys point at it (and the tables that point at those)", referrers.join("`, `")),
                Some("truncate the tables you mean by name, without CASCADE".into()),
            );
        }
    }
}

pub(crate) static TABLE_REWRITE_COMMAND: Rule = Rule {
    id: "table-rewrite-command",
    summary: "VACUUM FULL, CLUSTER or REINDEX without CONCURRENTLY locks the table for its whole run",
    dialects: PG,
    level: Level::Error,
    check: table_rewrite_command,
};

fn table_rewrite_command(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let what = if cx.starts(&["VACUUM"]) && cx.head.iter().any(|w| w == "FULL") {
        "VACUUM FULL"
    } else if cx.starts(&["CLUSTER"]) {
        "CLUSTER"
    } else if cx.starts(&["REINDEX"]) && !cx.head.iter().any(|w| w == "CONCURRENTLY") {
        "REINDEX"
    } else {
        return;
    };
    cx.hit(
        out,
        Span::empty(),
        format!("`{what}` rewrites under an ACCESS EXCLUSIVE lock (REINDEX: a lock that stops writes): the table is unavailable for the whole run"),
        Some(if what == "REINDEX" {
            format!("`REINDEX ... CONCURRENTLY` {NO_TRANSACTION}")
        } else {
            "run it by hand in a maintenance window (or use pg_repack), not in a migration".to_owned()
        }),
    );
}

pub(crate) static BACKFILL_UNDER_LOCK: Rule = Rule {
    id: "backfill-under-lock",
    summary: "rows are updated in the transaction whose DDL holds their table locked",
    dialects: PG,
    level: Level::Error,
    check: backfill_under_lock,
};

fn backfill_under_lock(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _)) = written_table(cx) else { return };
    if cx.in_transaction && cx.has_rows(&table) && cx.state.locked.contains(&key(&table)) {
        let verb = if matches!(cx.ast, Some(Statement::Delete(_))) { "deletes from" } else { "updates" };
        cx.hit(
            out,
            Span::empty(),
            format!("{verb} `{table}` in the transaction whose earlier DDL holds `{table}` locked: every read and write of `{table}` waits until this whole statement and the migration commit"),
            Some("backfill in a migration of its own after the DDL (in batches, with `-- no-transaction`, for a large table)".into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::rewrites;
    use crate::lint::Server;
    use crate::lint::tests::{catches, passes};

    const T: &str = "CREATE TABLE t (id BIGINT PRIMARY KEY, a VARCHAR(50), n INT);";

    #[test]
    fn index_not_concurrent() {
        catches("index-not-concurrent", "postgres", &[T, "CREATE INDEX ix ON t (a);"]);
        passes(
            "index-not-concurrent",
            "postgres",
            &[T, "-- no-transaction\nCREATE INDEX CONCURRENTLY ix ON t (a);"],
        );
        // Squawk #349: a table created a few lines up holds no rows.
        passes("index-not-concurrent", "postgres", &[&format!("{T}\nCREATE INDEX ix ON t (a);")]);
    }

    #[test]
    fn drop_index_not_concurrent() {
        let ix = format!("{T}\nCREATE INDEX ix ON t (a);");
        catches("drop-index-not-concurrent", "postgres", &[&ix, "DROP INDEX ix;"]);
        passes(
            "drop-index-not-concurrent",
            "postgres",
            &[&ix, "-- no-transaction\nDROP INDEX CONCURRENTLY ix;"],
        );
    }

    #[test]
    fn needs_no_transaction() {
        catches("needs-no-transaction", "postgres", &[T, "CREATE INDEX CONCURRENTLY ix ON t (a);"]);
        catches(
            "needs-no-transaction",
            "postgres",
            &[T, "-- no-transaction\nBEGIN;\nCREATE INDEX CONCURRENTLY ix ON t (a);\nCOMMIT;"],
        );
        passes(
            "needs-no-transaction",
            "postgres",
            &[T, "-- no-transaction\nCREATE INDEX CONCURRENTLY ix ON t (a);"],
        );
    }

    #[test]
    fn enum_add_value_before_12_needs_no_transaction() {
        let e = "CREATE TYPE mood AS ENUM ('a');";
        crate::lint::tests::catches_on(
            "needs-no-transaction",
            "postgres",
            "postgres 11",
            &[e, "ALTER TYPE mood ADD VALUE 'b';"],
        );
        passes("needs-no-transaction", "postgres", &[e, "ALTER TYPE mood ADD VALUE 'b';"]);
    }

    #[test]
    fn constraint_not_valid() {
        let two = format!("{T}\nCREATE TABLE u (id BIGINT PRIMARY KEY, t_id BIGINT);");
        catches(
            "constraint-not-valid",
            "postgres",
            &[&two, "ALTER TABLE u ADD CONSTRAINT fk FOREIGN KEY (t_id) REFERENCES t (id);"],
        );
        catches("constraint-not-valid", "postgres", &[T, "ALTER TABLE t ADD CONSTRAINT pos CHECK (n > 0);"]);
        passes(
            "constraint-not-valid",
            "postgres",
            &[&two, "ALTER TABLE u ADD CONSTRAINT fk FOREIGN KEY (t_id) REFERENCES t (id) NOT VALID;"],
        );
    }

    #[test]
    fn validate_in_same_transaction() {
        let add = "ALTER TABLE t ADD CONSTRAINT pos CHECK (n > 0) NOT VALID;";
        catches(
            "validate-in-same-transaction",
            "postgres",
            &[T, &format!("{add}\nALTER TABLE t VALIDATE CONSTRAINT pos;")],
        );
        passes(
            "validate-in-same-transaction",
            "postgres",
            &[T, add, "ALTER TABLE t VALIDATE CONSTRAINT pos;"],
        );
    }

    #[test]
    fn set_not_null() {
        catches("set-not-null", "postgres", &[T, "ALTER TABLE t ALTER COLUMN n SET NOT NULL;"]);
        // A check added NOT VALID and not validated proves nothing.
        catches(
            "set-not-null",
            "postgres",
            &[
                T,
                "ALTER TABLE t ADD CONSTRAINT n_nn CHECK (n IS NOT NULL) NOT VALID;",
                "ALTER TABLE t ALTER COLUMN n SET NOT NULL;",
            ],
        );
        passes(
            "set-not-null",
            "postgres",
            &[
                T,
                "ALTER TABLE t ADD CONSTRAINT n_nn CHECK (n IS NOT NULL) NOT VALID;",
                "ALTER TABLE t VALIDATE CONSTRAINT n_nn;",
                "ALTER TABLE t ALTER COLUMN n SET NOT NULL;",
            ],
        );
    }

    #[test]
    fn type_change_rewrite() {
        catches("type-change-rewrite", "postgres", &[T, "ALTER TABLE t ALTER COLUMN n TYPE BIGINT;"]);
        passes("type-change-rewrite", "postgres", &[T, "ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(100);"]);
        passes("type-change-rewrite", "postgres", &[T, "ALTER TABLE t ALTER COLUMN a TYPE TEXT;"]);
        let pg = Server::default_for(crate::Dialect::Postgres);
        assert!(rewrites("integer", "bigint", &pg));
        assert!(rewrites("varchar(50)", "varchar(20)", &pg));
        assert!(!rewrites("varchar(50)", "varchar", &pg));
        assert!(!rewrites("numeric(10,2)", "numeric(12,2)", &pg));
        assert!(rewrites("numeric(10,2)", "numeric(12,3)", &pg));
        assert!(!rewrites("timestamp(3)", "timestamp(6)", &pg));
        assert!(!rewrites("timestamp", "timestamptz", &pg));
        let eleven = Server::parse(crate::Dialect::Postgres, "11").expect("a server");
        assert!(rewrites("timestamp", "timestamptz", &eleven));
    }

    #[test]
    fn add_column_default_rewrite() {
        catches(
            "add-column-default-rewrite",
            "postgres",
            &[T, "ALTER TABLE t ADD COLUMN u UUID DEFAULT gen_random_uuid();"],
        );
        catches("add-column-default-rewrite", "postgres", &[T, "ALTER TABLE t ADD COLUMN s BIGSERIAL;"]);
        passes(
            "add-column-default-rewrite",
            "postgres",
            &[T, "ALTER TABLE t ADD COLUMN at TIMESTAMPTZ NOT NULL DEFAULT now();"],
        );
        crate::lint::tests::catches_on(
            "add-column-default-rewrite",
            "postgres",
            "postgres 10",
            &[T, "ALTER TABLE t ADD COLUMN f BOOLEAN NOT NULL DEFAULT false;"],
        );
    }

    #[test]
    fn unique_and_primary_key_not_using_index() {
        catches("unique-not-using-index", "postgres", &[T, "ALTER TABLE t ADD CONSTRAINT a_key UNIQUE (a);"]);
        passes(
            "unique-not-using-index",
            "postgres",
            &[
                T,
                "-- no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY a_key ON t (a);",
                "ALTER TABLE t ADD CONSTRAINT a_key UNIQUE USING INDEX a_key;",
            ],
        );
        let keyless = "CREATE TABLE k (id BIGINT NOT NULL);";
        catches("primary-key-not-using-index", "postgres", &[keyless, "ALTER TABLE k ADD PRIMARY KEY (id);"]);
        passes(
            "primary-key-not-using-index",
            "postgres",
            &[
                keyless,
                "-- no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY k_pkey ON k (id);",
                "ALTER TABLE k ADD CONSTRAINT k_pkey PRIMARY KEY USING INDEX k_pkey;",
            ],
        );
    }

    #[test]
    fn enum_value_in_transaction() {
        let e = "CREATE TYPE mood AS ENUM ('a');\nCREATE TABLE p (m mood);";
        catches(
            "enum-value-in-transaction",
            "postgres",
            &[e, "ALTER TYPE mood ADD VALUE 'b';\nUPDATE p SET m = 'b';"],
        );
        passes(
            "enum-value-in-transaction",
            "postgres",
            &[e, "ALTER TYPE mood ADD VALUE 'b';", "UPDATE p SET m = 'b';"],
        );
    }

    #[test]
    fn identifier_too_long() {
        let long = "a".repeat(64);
        catches("identifier-too-long", "postgres", &[&format!("CREATE TABLE t ({long} INT);")]);
        catches(
            "identifier-too-long",
            "postgres",
            &[&format!("CREATE TABLE {} (a INT);\nCREATE INDEX {long} ON {} (a);", &long[..63], &long[..63])],
        );
        passes("identifier-too-long", "postgres", &[&format!("CREATE TABLE t ({} INT);", &long[..63])]);
    }

    #[test]
    fn truncate_cascade() {
        let two = format!("{T}\nCREATE TABLE u (id BIGINT PRIMARY KEY, t_id BIGINT REFERENCES t (id));");
        catches("truncate-cascade", "postgres", &[&two, "TRUNCATE t CASCADE;"]);
        passes("truncate-cascade", "postgres", &[&two, "TRUNCATE u CASCADE;"]);
    }

    #[test]
    fn table_rewrite_command() {
        catches("table-rewrite-command", "postgres", &[T, "-- no-transaction\nVACUUM FULL t;"]);
        catches("table-rewrite-command", "postgres", &[T, "CLUSTER t USING t_pkey;"]);
        passes("table-rewrite-command", "postgres", &[T, "-- no-transaction\nREINDEX TABLE CONCURRENTLY t;"]);
    }

    #[test]
    fn backfill_under_lock() {
        catches(
            "backfill-under-lock",
            "postgres",
            &[T, "ALTER TABLE t ADD COLUMN b INT;\nUPDATE t SET b = n;"],
        );
        passes(
            "backfill-under-lock",
            "postgres",
            &[T, "ALTER TABLE t ADD COLUMN b INT;", "UPDATE t SET b = n;"],
        );
    }
}
