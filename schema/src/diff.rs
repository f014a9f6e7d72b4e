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

/// Compares `model` (the table a model describes, with its `renamed_from` hints) with what the
/// replayed `schema` holds.
pub fn compare(
    d: Dialect,
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
            message: format!("table `{t}` is not created by any migration"),
            fix: Some(render::create_table(d, model)),
        }];
    };
    // Compare against the table as it will be once pending renames are written, so that a
    // renamed column reports the rename and nothing else.
    let mut renamed_db = db.clone();
    for (from, to) in column_renames {
        if db.column(from).is_some() && db.column(to).is_none() && model.column(to).is_some() {
            renamed_db.rename_column(from, to);
        }
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
                Some((from, _)) => push(
                    Some(&c.name),
                    &[],
                    DiffKind::RenamedColumn,
                    format!("column `{t}.{}` is renamed from `{from}`, but no migration renames it", c.name),
                    Some(format!("ALTER TABLE {} RENAME COLUMN {} TO {};", q(t), q(from), q(&c.name))),
                ),
                None => push(
                    Some(&c.name),
                    &[],
                    DiffKind::MissingColumn,
                    format!("column `{t}.{}` is not created by any migration", c.name),
                    Some(format!("ALTER TABLE {} ADD COLUMN {};", q(t), column_def(d, c, model))),
                ),
            }
            continue;
        };
        compare_column(d, model, c, dc, &mut push);
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
                format!("the migrations give `{t}` a column `{}` that the model has no field for", dc.name),
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
            format!("the model gives `{t}` {}, the migrations {}", show(pk(model)), show(pk(db))),
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
                format!("no migration makes ({}) unique in `{t}`", u.columns.join(", ")),
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
                format!("the migrations make ({}) unique in `{t}`, the model does not", u.columns.join(", ")),
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
                format!("no migration creates an index on `{t}` ({})", i.columns.join(", ")),
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
                    "the migrations create index `{}` on `{t}` ({}), the model does not declare it",
                    i.name,
                    i.columns.join(", ")
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
                    "`{t}.{}` references `{}` in the model, but the migrations say `{}`",
                    f.columns.join(", "),
                    describe_fk(f),
                    describe_fk(x)
                ),
                None => format!(
                    "no migration adds the foreign key `{t}.{}` -> `{}`",
                    f.columns.join(", "),
                    describe_fk(f)
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
                    "the migrations make `{t}.{}` reference `{}`, the model does not",
                    f.columns.join(", "),
                    describe_fk(f)
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
                format!("no migration adds `CHECK ({})` to `{t}`", c.expr),
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
                format!("the migrations add `CHECK ({})` to `{t}`, the model does not", c.expr),
                drop,
            );
        }
    }
    out
}

fn compare_column(
    d: Dialect,
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
                "column `{t}.{}` is `{}` in the model, but `{}` in the migrations",
                c.name,
                sql_type(&c.ty),
                sql_type(&dc.ty)
            ),
            fix,
        );
    }
    if c.nullable != dc.nullable {
        let (message, pg) = if c.nullable {
            (
                format!(
                    "column `{t}.{}` is NOT NULL in the migrations, but an `Option` in the model",
                    c.name
                ),
                "DROP NOT NULL",
            )
        } else {
            (
                format!(
                    "column `{t}.{}` is nullable in the migrations, but not an `Option` in the model",
                    c.name
                ),
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
                "column `{t}.{}` has {} in the model, but {} in the migrations",
                c.name,
                show(&c.default),
                show(&dc.default)
            ),
            fix,
        );
    }
    if c.auto_increment != dc.auto_increment {
        let message = if c.auto_increment {
            format!(
                "column `{t}.{}` is `auto_increment` in the model, but the migrations do not make the database assign it",
                c.name
            )
        } else {
            format!(
                "the migrations make the database assign `{t}.{}`, but the model has no `auto_increment`",
                c.name
            )
        };
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
