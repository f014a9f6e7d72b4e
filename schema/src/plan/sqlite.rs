//! SQLite's table rebuild, for every change its `ALTER TABLE` cannot make
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>): create the new table, copy the
//! rows, drop the old one, rename, recreate the indexes, then check the foreign keys.
//!
//! Foreign keys are turned off around the rebuild: with them on, dropping the old table would
//! run the `ON DELETE` actions of the tables that reference it (deleting their rows on
//! `CASCADE`). SQLite only turns them off outside a transaction, so the script opens its own and
//! runs `-- no-transaction`; before it commits, a violated foreign key fails it.

use crate::Dialect;
use crate::diff::{DiffKind, Difference};
use crate::render;
use crate::schema::Table;

/// The prefix of the table a rebuild fills before it takes the old one's name.
const NEW: &str = "_strata_new_";

/// Whether SQLite's `ALTER TABLE` cannot make these changes to `old`.
pub(super) fn needs_rebuild(old: &Table, model: &Table, diffs: &[Difference]) -> bool {
    diffs.iter().any(|x| match x.kind {
        DiffKind::MissingColumn => {
            x.column.as_deref().and_then(|c| model.column(c)).is_none_or(|c| !can_add(model, c))
        }
        DiffKind::ExtraColumn => x.columns.first().is_none_or(|c| !can_drop(old, c)),
        DiffKind::RenamedColumn
        | DiffKind::MissingIndex
        | DiffKind::ExtraIndex
        | DiffKind::MissingUnique
        | DiffKind::ExtraUnique => x.fix.is_none(),
        _ => true,
    })
}

/// `ALTER TABLE ... ADD COLUMN` takes no key, no foreign key, no NOT NULL without a default and
/// only a constant default.
fn can_add(model: &Table, c: &crate::Column) -> bool {
    let constant = c.default.as_deref().is_none_or(|v| {
        v.starts_with('\'') || v.parse::<f64>().is_ok() || matches!(v, "true" | "false" | "null")
    });
    let referencing =
        model.foreign_keys.iter().any(|f| f.columns.iter().any(|x| x.eq_ignore_ascii_case(&c.name)));
    !model.is_primary_key_column(&c.name)
        && !c.auto_increment
        && (c.nullable || c.default.is_some())
        && constant
        && !referencing
}

/// `ALTER TABLE ... DROP COLUMN` refuses a column that a key, a unique constraint, a foreign key
/// or a check mentions (indexes on it are dropped first by the plan).
fn can_drop(old: &Table, column: &str) -> bool {
    let mentions = |cols: &[String]| cols.iter().any(|c| c.eq_ignore_ascii_case(column));
    !old.is_primary_key_column(column)
        && !old.uniques.iter().any(|u| mentions(&u.columns))
        && !old.foreign_keys.iter().any(|f| mentions(&f.columns))
        && old.checks.is_empty()
}

/// The statements that rebuild `old` as `model`, copying every column the two share (renamed
/// columns from their old names), and giving each of `fill` its placeholder.
pub(super) fn rebuild(
    old: &Table,
    model: &Table,
    renames: &[(String, String)],
    fill: &[(crate::Column, String)],
) -> Vec<String> {
    let d = Dialect::Sqlite;
    let q = |s: &str| d.quote_ident(s);
    let temp = format!("{NEW}{}", model.name);
    let mut new = Table { name: temp.clone(), indexes: Vec::new(), ..model.clone() };
    // Named unique indexes keep their names: they are made after the rename, like indexes.
    let named: Vec<_> = new.uniques.iter().filter(|u| u.name.is_some()).cloned().collect();
    new.uniques.retain(|u| u.name.is_none());
    let mut out = vec![render::create_table(d, &new)];
    let (mut into, mut from) = (Vec::new(), Vec::new());
    for c in &model.columns {
        let source = renames
            .iter()
            .find(|(_, to)| to.eq_ignore_ascii_case(&c.name))
            .map_or(c.name.as_str(), |(f, _)| f.as_str());
        if old.column(source).is_some() {
            into.push(q(&c.name));
            from.push(q(source));
        } else if let Some((_, value)) = fill.iter().find(|(f, _)| f.name.eq_ignore_ascii_case(&c.name)) {
            out.push(format!(
                "-- `{}.{}` comes back without the values the up dropped: rows get {value}.",
                model.name, c.name
            ));
            into.push(q(&c.name));
            from.push(value.clone());
        }
    }
    if !into.is_empty() {
        out.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {};",
            q(&temp),
            into.join(", "),
            from.join(", "),
            q(&old.name)
        ));
    }
    out.push(format!("DROP TABLE {};", q(&old.name)));
    out.push(format!("ALTER TABLE {} RENAME TO {};", q(&temp), q(&model.name)));
    for u in &named {
        out.push(render::create_unique(d, &model.name, u));
    }
    for i in &model.indexes {
        out.push(render::create_index(d, &model.name, i));
    }
    out
}

/// The script around a rebuild's statements.
pub(super) fn wrap_rebuild(body: &str) -> String {
    format!(
        "-- no-transaction\n\
         -- SQLite cannot alter these tables in place, so they are rebuilt: foreign keys are off while\n\
         -- the old tables are dropped (so no ON DELETE action runs), and checked before the commit.\n\
         PRAGMA foreign_keys = OFF;\n\
         BEGIN;\n\
         {body}\n\
         -- Fails (CHECK constraint failed: violations = 0) if a row breaks a foreign key; see\n\
         -- `PRAGMA foreign_key_check;` for which.\n\
         CREATE TEMP TABLE strata_foreign_key_check (violations INTEGER CHECK (violations = 0));\n\
         INSERT INTO strata_foreign_key_check SELECT count(*) FROM pragma_foreign_key_check;\n\
         DROP TABLE strata_foreign_key_check;\n\
         COMMIT;\n\
         PRAGMA foreign_keys = ON;\n"
    )
}
