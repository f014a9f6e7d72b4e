//! Comparing the table a model describes with the table the migrations build.

use crate::render::{self, column_def, sql_type};
use crate::schema::{Column, ForeignKey, Index, Table};
use crate::{Dialect, Schema};

/// One way a model and the migrations disagree, with the SQL that would reconcile them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The column the difference belongs to (for a span), if it concerns one column.
    pub column: Option<String>,
    /// The columns of a constraint or index the difference concerns.
    pub columns: Vec<String>,
    pub kind: DiffKind,
    /// What differs, in words.
    pub message: String,
    /// SQL that brings the migrations to the model, when the dialect can say it in place.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    MissingTable,
    RenamedTable,
    MissingColumn,
    ExtraColumn,
    RenamedColumn,
    Type,
    Nullable,
    Default,
    AutoIncrement,
    PrimaryKey,
    MissingUnique,
    ExtraUnique,
    MissingIndex,
    ExtraIndex,
    MissingForeignKey,
    ExtraForeignKey,
    MissingCheck,
    ExtraCheck,
}

/// The two things compared, as messages name them.
#[derive(Debug, Clone, Copy)]
pub struct Sides {
    /// The side held to be right: "the model", "the migrations".
    pub ours: &'static str,
    /// The side checked against it: "the migrations", "the database".
    pub theirs: &'static str,
    /// Said of a table or column that `theirs` lacks.
    pub missing: &'static str,
}

/// A model against the replayed migrations (the derive, `strata check`).
pub const MODEL_VS_MIGRATIONS: Sides =
    Sides { ours: "the model", theirs: "the migrations", missing: "is not created by any migration" };
/// The replayed migrations against a live database (`verify`).
pub const MIGRATIONS_VS_DATABASE: Sides =
    Sides { ours: "the migrations", theirs: "the database", missing: "is not in the database" };
/// A model against a live database (`verify`).
pub const MODEL_VS_DATABASE: Sides =
    Sides { ours: "the model", theirs: "the database", missing: "is not in the database" };

/// Compares `model` (the table a model describes, with its `renamed_from` hints) with what the
/// replayed `schema` holds.
pub fn compare(
    d: Dialect,
    sides: &Sides,
    model: &Table,
    table_renamed_from: Option<&str>,
    column_renames: &[(String, String)],
    schema: &Schema,
) -> Vec<Difference> {
    let q = |s: &str| d.quote_ident(s);
    let t = &model.name;
    let Some(db) = schema.table(t) else {
        if let Some(old) = table_renamed_from.filter(|old| schema.table(old).is_some()) {
            return vec![Difference {
                column: None,
                columns: Vec::new(),
                kind: DiffKind::RenamedTable,
                message: format!("table `{t}` is renamed from `{old}`, but no migration renames it"),
                fix: Some(format!("ALTER TABLE {} RENAME TO {};", q(old), q(t))),
            }];
        }
        return vec![Difference {
            column: None,
            columns: Vec::new(),
            kind: DiffKind::MissingTable,
            message: format!("table `{t}` {}", sides.missing),
            fix: Some(render::create_table(d, model)),
        }];
    };
    // Compare against the table as it will be once pending renames are written, so that a
    // renamed column reports the rename and nothing else.
    let pending = |(from, to): &&(String, String)| {
        db.column(from).is_some() && db.column(to).is_none() && model.column(to).is_some()
    };
    let mut renamed_db = std::borrow::Cow::Borrowed(db);
    for (from, to) in column_renames.iter().filter(pending) {
        renamed_db.to_mut().rename_column(from, to);
    }
    // The common case, a table as the model wants it (no rename pending), without comparing
    // part by part.
    if matches!(renamed_db, std::borrow::Cow::Borrowed(_)) && db == model {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut push = |column: Option<&str>, columns: &[String], kind, message: String, fix: Option<String>| {
        out.push(Difference {
            column: column.map(str::to_owned),
            columns: columns.to_vec(),
            kind,
            message,
            fix,
        });
    };
    let rebuild = |sql: String| {
        if d == Dialect::Sqlite { None } else { Some(sql) }
    };

    for c in &model.columns {
        let Some(dc) = db.column(&c.name) else {
            let renamed = column_renames
                .iter()
                .find(|(_, to)| to.eq_ignore_ascii_case(&c.name))
                .filter(|(from, _)| db.column(from).is_some());
            match renamed {
                Some((from, _)) => {
                    push(
                        Some(&c.name),
                        &[],
                        DiffKind::RenamedColumn,
                        format!(
                            "column `{t}.{}` is renamed from `{from}`, but no migration renames it",
                            c.name
                        ),
                        Some(format!("ALTER TABLE {} RENAME COLUMN {} TO {};", q(t), q(from), q(&c.name))),
                    );
                    // What else changed with the name.
                    if let Some(dc) = renamed_db.column(&c.name) {
                        compare_column(d, sides, model, c, dc, &mut push);
                    }
                }
                None => push(
                    Some(&c.name),
                    &[],
                    DiffKind::MissingColumn,
                    format!("column `{t}.{}` {}", c.name, sides.missing),
                    Some(format!("ALTER TABLE {} ADD COLUMN {};", q(t), column_def(d, c, model))),
                ),
            }
            continue;
        };
        compare_column(d, sides, model, c, dc, &mut push);
    }
    let db = &renamed_db;
    for dc in &db.columns {
        let renamed_away = column_renames.iter().any(|(from, to)| {
            from.eq_ignore_ascii_case(&dc.name) && model.column(to).is_some() && db.column(to).is_none()
        });
        if model.column(&dc.name).is_none() && !renamed_away {
            push(
                None,
                std::slice::from_ref(&dc.name),
                DiffKind::ExtraColumn,
                format!("column `{t}.{}` is in {}, but not in {}", dc.name, sides.theirs, sides.ours),
                Some(format!("ALTER TABLE {} DROP COLUMN {};", q(t), q(&dc.name))),
            );
        }
    }

    let pk = |t: &Table| t.primary_key.as_ref().map(|p| lower(&p.columns));
    if pk(model) != pk(db) {
        let show = |p: Option<Vec<String>>| {
            p.map_or("no primary key".to_owned(), |c| format!("primary key ({})", c.join(", ")))
        };
        let fix = match d {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(format!(
                "{}ALTER TABLE {} ADD PRIMARY KEY ({});",
                db.primary_key.as_ref().and_then(|p| p.name.clone()).map_or(String::new(), |n| format!(
                    "ALTER TABLE {} DROP CONSTRAINT {};\n",
                    q(t),
                    q(&n)
                )),
                q(t),
                model.primary_key.as_ref().map(|p| render::cols(d, &p.columns)).unwrap_or_default()
            )),
            Dialect::Mysql => Some(format!(
                "ALTER TABLE {}{}{};",
                q(t),
                if db.primary_key.is_some() { " DROP PRIMARY KEY" } else { "" },
                model.primary_key.as_ref().map_or(String::new(), |p| format!(
                    "{} ADD PRIMARY KEY ({})",
                    if db.primary_key.is_some() { "," } else { "" },
                    render::cols(d, &p.columns)
                ))
            )),
        };
        let columns = model.primary_key.as_ref().map(|p| p.columns.clone()).unwrap_or_default();
        push(
            columns.first().map(String::as_str),
            &columns,
            DiffKind::PrimaryKey,
            format!(
                "`{t}` has {} in {}, but {} in {}",
                show(pk(model)),
                sides.ours,
                show(pk(db)),
                sides.theirs
            ),
            fix.filter(|_| model.primary_key.is_some()),
        );
    }

    for u in &model.uniques {
        let found = db.uniques.iter().any(|x| {
            lower(&x.columns) == lower(&u.columns)
                && (u.name.is_none() || x.name.as_deref().is_some_and(|n| Some(n) == u.name.as_deref()))
        });
        if !found {
            push(
                single(&u.columns),
                &u.columns,
                DiffKind::MissingUnique,
                format!(
                    "({}) is unique in `{t}` in {}, but not in {}",
                    u.columns.join(", "),
                    sides.ours,
                    sides.theirs
                ),
                Some(render::create_unique(d, t, u)),
            );
        }
    }
    for u in &db.uniques {
        if !model.uniques.iter().any(|x| lower(&x.columns) == lower(&u.columns)) {
            let drop = match (&u.name, d) {
                (Some(n), Dialect::Postgres) => {
                    Some(format!("ALTER TABLE {} DROP CONSTRAINT {};", q(t), q(n)))
                }
                (Some(n), Dialect::Mysql) => Some(format!("DROP INDEX {} ON {};", q(n), q(t))),
                (Some(n), Dialect::Sqlite) if !n.starts_with("sqlite_autoindex") => {
                    Some(format!("DROP INDEX {};", q(n)))
                }
                _ => None,
            };
            push(
                single(&u.columns),
                &u.columns,
                DiffKind::ExtraUnique,
                format!(
                    "({}) is unique in `{t}` in {}, but not in {}",
                    u.columns.join(", "),
                    sides.theirs,
                    sides.ours
                ),
                drop,
            );
        }
    }

    // Partial and expression indexes are beyond what a model declares; they are left alone.
    let plain = |i: &&Index| !i.expression && i.predicate.is_none();
    for i in model.indexes.iter().filter(plain) {
        let found = db.indexes.iter().filter(plain).any(|x| same_index(i, x));
        if !found {
            push(
                single(&i.columns),
                &i.columns,
                DiffKind::MissingIndex,
                format!(
                    "`{t}` has an index on ({}) in {}, but not in {}",
                    i.columns.join(", "),
                    sides.ours,
                    sides.theirs
                ),
                Some(render::create_index(d, t, i)),
            );
        }
    }
    for i in db.indexes.iter().filter(plain) {
        if !model.indexes.iter().any(|x| same_index(x, i)) {
            let drop = match d {
                Dialect::Mysql => format!("DROP INDEX {} ON {};", q(&i.name), q(t)),
                _ => format!("DROP INDEX {};", q(&i.name)),
            };
            push(
                single(&i.columns),
                &i.columns,
                DiffKind::ExtraIndex,
                format!(
                    "index `{}` on `{t}` ({}) is in {}, but not in {}",
                    i.name,
                    i.columns.join(", "),
                    sides.theirs,
                    sides.ours
                ),
                Some(drop),
            );
        }
    }

    for f in &model.foreign_keys {
        if !db.foreign_keys.iter().any(|x| same_fk(f, x)) {
            let other = db.foreign_keys.iter().find(|x| lower(&x.columns) == lower(&f.columns));
            let message = match other {
                Some(x) => format!(
                    "`{t}.{}` references `{}` in {}, but `{}` in {}",
                    f.columns.join(", "),
                    describe_fk(f),
                    sides.ours,
                    describe_fk(x),
                    sides.theirs
                ),
                None => format!(
                    "`{t}.{}` references `{}` in {}, but nothing in {}",
                    f.columns.join(", "),
                    describe_fk(f),
                    sides.ours,
                    sides.theirs
                ),
            };
            push(
                single(&f.columns),
                &f.columns,
                DiffKind::MissingForeignKey,
                message,
                rebuild(format!("ALTER TABLE {} ADD {};", q(t), render::foreign_key(d, f))),
            );
        }
    }
    for f in &db.foreign_keys {
        let covered = model.foreign_keys.iter().any(|x| lower(&x.columns) == lower(&f.columns));
        if !covered {
            let drop = f.name.as_ref().and_then(|n| match d {
                Dialect::Postgres => Some(format!("ALTER TABLE {} DROP CONSTRAINT {};", q(t), q(n))),
                Dialect::Mysql => Some(format!("ALTER TABLE {} DROP FOREIGN KEY {};", q(t), q(n))),
                Dialect::Sqlite => None,
            });
            push(
                single(&f.columns),
                &f.columns,
                DiffKind::ExtraForeignKey,
                format!(
                    "`{t}.{}` references `{}` in {}, but nothing in {}",
                    f.columns.join(", "),
                    describe_fk(f),
                    sides.theirs,
                    sides.ours
                ),
                drop,
            );
        }
    }

    for c in &model.checks {
        if !db.checks.iter().any(|x| x.expr == c.expr) {
            push(
                None,
                &[],
                DiffKind::MissingCheck,
                format!("`{t}` has `CHECK ({})` in {}, but not in {}", c.expr, sides.ours, sides.theirs),
                rebuild(format!("ALTER TABLE {} ADD CHECK ({});", q(t), c.expr)),
            );
        }
    }
    for c in &db.checks {
        if !model.checks.iter().any(|x| x.expr == c.expr) {
            let drop = c
                .name
                .as_ref()
                .filter(|_| d != Dialect::Sqlite)
                .map(|n| format!("ALTER TABLE {} DROP CONSTRAINT {};", q(t), q(n)));
            push(
                None,
                &[],
                DiffKind::ExtraCheck,
                format!("`{t}` has `CHECK ({})` in {}, but not in {}", c.expr, sides.theirs, sides.ours),
                drop,
            );
        }
    }
    out
}

fn compare_column(
    d: Dialect,
    sides: &Sides,
    model: &Table,
    c: &Column,
    dc: &Column,
    push: &mut impl FnMut(Option<&str>, &[String], DiffKind, String, Option<String>),
) {
    let q = |s: &str| d.quote_ident(s);
    let t = &model.name;
    let modify = || match d {
        Dialect::Mysql => Some(format!("ALTER TABLE {} MODIFY COLUMN {};", q(t), column_def(d, c, model))),
        _ => None,
    };
    if c.ty != dc.ty {
        let fix = match d {
            Dialect::Postgres => {
                Some(format!("ALTER TABLE {} ALTER COLUMN {} TYPE {};", q(t), q(&c.name), sql_type(&c.ty)))
            }
            _ => modify(),
        };
        push(
            Some(&c.name),
            &[],
            DiffKind::Type,
            format!(
                "column `{t}.{}` is `{}` in {}, but `{}` in {}",
                c.name,
                sql_type(&c.ty),
                sides.ours,
                sql_type(&dc.ty),
                sides.theirs
            ),
            fix,
        );
    }
    if c.nullable != dc.nullable {
        // A model says nullable with `Option`.
        let (nullable, not_null) = if sides.ours == MODEL_VS_MIGRATIONS.ours {
            ("an `Option` in the model".to_owned(), "not an `Option` in the model".to_owned())
        } else {
            (format!("nullable in {}", sides.ours), format!("NOT NULL in {}", sides.ours))
        };
        let (message, pg) = if c.nullable {
            (
                format!("column `{t}.{}` is NOT NULL in {}, but {nullable}", c.name, sides.theirs),
                "DROP NOT NULL",
            )
        } else {
            (
                format!("column `{t}.{}` is nullable in {}, but {not_null}", c.name, sides.theirs),
                "SET NOT NULL",
            )
        };
        let fix = match d {
            Dialect::Postgres => Some(format!("ALTER TABLE {} ALTER COLUMN {} {pg};", q(t), q(&c.name))),
            _ => modify(),
        };
        push(Some(&c.name), &[], DiffKind::Nullable, message, fix);
    }
    if c.default != dc.default && !c.auto_increment {
        let show =
            |x: &Option<String>| x.as_deref().map_or("no default".to_owned(), |v| format!("DEFAULT {v}"));
        let fix = match (d, &c.default) {
            (Dialect::Sqlite, _) => None,
            (_, Some(v)) => {
                Some(format!("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {v};", q(t), q(&c.name)))
            }
            (_, None) => Some(format!("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT;", q(t), q(&c.name))),
        };
        push(
            Some(&c.name),
            &[],
            DiffKind::Default,
            format!(
                "column `{t}.{}` has {} in {}, but {} in {}",
                c.name,
                show(&c.default),
                sides.ours,
                show(&dc.default),
                sides.theirs
            ),
            fix,
        );
    }
    if c.auto_increment != dc.auto_increment {
        let (yes, no) =
            if c.auto_increment { (sides.ours, sides.theirs) } else { (sides.theirs, sides.ours) };
        let message =
            format!("column `{t}.{}` is assigned by the database in {yes}, but not in {no}", c.name);
        let fix = match d {
            Dialect::Postgres if c.auto_increment => Some(format!(
                "ALTER TABLE {} ALTER COLUMN {} ADD GENERATED BY DEFAULT AS IDENTITY;",
                q(t),
                q(&c.name)
            )),
            _ => modify(),
        };
        push(Some(&c.name), &[], DiffKind::AutoIncrement, message, fix);
    }
}

fn describe_fk(f: &ForeignKey) -> String {
    let mut s = format!("{}({})", f.ref_table, f.ref_columns.join(", "));
    if f.on_delete != crate::Action::NoAction {
        s.push_str(&format!(" ON DELETE {}", f.on_delete));
    }
    if f.on_update != crate::Action::NoAction {
        s.push_str(&format!(" ON UPDATE {}", f.on_update));
    }
    s
}

fn same_fk(a: &ForeignKey, b: &ForeignKey) -> bool {
    lower(&a.columns) == lower(&b.columns)
        && a.ref_table.eq_ignore_ascii_case(&b.ref_table)
        && lower(&a.ref_columns) == lower(&b.ref_columns)
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
}

fn same_index(model: &Index, db: &Index) -> bool {
    lower(&model.columns) == lower(&db.columns)
        && model.unique == db.unique
        && (model.name.is_empty() || model.name.eq_ignore_ascii_case(&db.name))
}

fn single(columns: &[String]) -> Option<&str> {
    columns.first().map(String::as_str)
}

fn lower(cols: &[String]) -> Vec<String> {
    cols.iter().map(|c| c.to_ascii_lowercase()).collect()
}
