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
    /// The other half of a change another difference already describes in words (the old
    /// foreign key a changed one replaces): it carries SQL but no message of its own.
    pub quiet: bool,
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
    /// A table `theirs` has and `ours` does not ([`compare_schemas`] only).
    ExtraTable,
    /// The same columns in another order ([`compare_schemas`], complete sides only).
    ColumnOrder,
    /// A PostgreSQL enum or composite type that differs ([`compare_schemas`] only).
    UserType,
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
    /// `ours` is a model, which declares no expression or partial index and no index MySQL
    /// makes for a foreign key: those of `theirs` are not differences. Otherwise `ours` is a
    /// whole schema (a replay) and everything is compared, column order included.
    pub model: bool,
}

/// A model against the replayed migrations (the derive, `strata check`).
pub const MODEL_VS_MIGRATIONS: Sides = Sides {
    ours: "the model",
    theirs: "the migrations",
    missing: "is not created by any migration",
    model: true,
};
/// The replayed migrations against a live database (`verify`, the fixtures, `round_trip`).
pub const MIGRATIONS_VS_DATABASE: Sides =
    Sides { ours: "the migrations", theirs: "the database", missing: "is not in the database", model: false };
/// A model against a live database (`verify`).
pub const MODEL_VS_DATABASE: Sides =
    Sides { ours: "the model", theirs: "the database", missing: "is not in the database", model: true };

/// Every difference between two whole schemas, normalised for `d`: each table of `ours` as
/// [`compare`] finds it, the tables only `theirs` has, views and the indexes of materialized
/// ones (not on MySQL), and PostgreSQL's enum and composite types. The one comparison behind
/// `verify`, `round_trip` and the fixture tests.
pub fn compare_schemas(d: Dialect, sides: &Sides, ours: &Schema, theirs: &Schema) -> Vec<Difference> {
    let mut out: Vec<Difference> =
        ours.tables.values().flat_map(|t| compare(d, sides, t, None, &[], theirs)).collect();
    let q = |s: &str| d.quote_ident(s);
    let other = |kind, message: String, fix: Option<String>| Difference {
        column: None,
        columns: Vec::new(),
        kind,
        message,
        fix,
        quiet: false,
    };
    for t in theirs.tables.values().filter(|t| ours.table(&t.name).is_none()) {
        out.push(other(
            DiffKind::ExtraTable,
            format!("table `{}` is in {}, but not in {}", t.name, sides.theirs, sides.ours),
            Some(format!("DROP TABLE {};", q(&t.name))),
        ));
    }
    // Views by name, and the indexes of materialized ones; not on MySQL, where the replay
    // does not read every view (`CREATE DEFINER=... VIEW`), so the database has views it
    // cannot know.
    if d != Dialect::Mysql {
        for v in ours.views.values() {
            let kind = |m: bool| if m { "materialized view" } else { "view" };
            match theirs.views.get(&v.name.to_ascii_lowercase()) {
                None => out.push(other(
                    DiffKind::ExtraTable,
                    format!("{} `{}` {}", kind(v.materialized), v.name, sides.missing),
                    None,
                )),
                Some(w) if w.materialized != v.materialized => out.push(other(
                    DiffKind::ExtraTable,
                    format!(
                        "`{}` is a {} in {}, but a {} in {}",
                        v.name,
                        kind(v.materialized),
                        sides.ours,
                        kind(w.materialized),
                        sides.theirs
                    ),
                    None,
                )),
                Some(w) => {
                    let (missing, extra) = unpaired(
                        &v.indexes,
                        &w.indexes,
                        |_| true,
                        |a, b| same_index(a, b) && a.name.eq_ignore_ascii_case(&b.name),
                    );
                    for i in missing {
                        out.push(other(
                            DiffKind::MissingIndex,
                            format!(
                                "`{}` has {} in {}, but not in {}",
                                v.name,
                                describe_index(i),
                                sides.ours,
                                sides.theirs
                            ),
                            None,
                        ));
                    }
                    for i in extra {
                        out.push(other(
                            DiffKind::ExtraIndex,
                            format!(
                                "index `{}` on `{}` is in {}, but not in {}",
                                i.name, v.name, sides.theirs, sides.ours
                            ),
                            None,
                        ));
                    }
                }
            }
        }
        for w in theirs.views.values().filter(|w| !ours.views.contains_key(&w.name.to_ascii_lowercase())) {
            let kind = if w.materialized { "materialized view" } else { "view" };
            out.push(other(
                DiffKind::ExtraTable,
                format!("{kind} `{}` is in {}, but not in {}", w.name, sides.theirs, sides.ours),
                None,
            ));
        }
    }
    let list = |labels: &[String]| labels.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", ");
    let attrs =
        |a: &[(String, String)]| a.iter().map(|(n, t)| format!("{n} {t}")).collect::<Vec<_>>().join(", ");
    types_differ(&ours.enums, &theirs.enums, "enum type", |l| format!("({})", list(l)), sides, &mut |m| {
        out.push(other(DiffKind::UserType, m, None))
    });
    let mut more = Vec::new();
    types_differ(
        &ours.composites,
        &theirs.composites,
        "composite type",
        |a| format!("({})", attrs(a)),
        sides,
        &mut |m| more.push(other(DiffKind::UserType, m, None)),
    );
    out.extend(more);
    out
}

/// [`compare_schemas`] in words, a line each, or `None` when the two schemas agree.
pub fn describe(d: Dialect, sides: &Sides, ours: &Schema, theirs: &Schema) -> Option<String> {
    let lines: Vec<String> = reported(compare_schemas(d, sides, ours, theirs))
        .into_iter()
        .map(|x| format!("  - {}", x.message))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The differences as a reader is told them: each quiet half folded into the difference that
/// describes its change, its SQL first (the old foreign key is dropped before the new one is
/// added).
pub fn reported(differences: Vec<Difference>) -> Vec<Difference> {
    let (quiet, mut loud): (Vec<Difference>, Vec<Difference>) =
        differences.into_iter().partition(|d| d.quiet);
    for q in quiet {
        if let Some(d) = loud.iter_mut().find(|d| d.message == q.message) {
            d.fix = match (q.fix, d.fix.take()) {
                (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
                (_, b) => b,
            };
        }
    }
    loud
}

fn types_differ<T: PartialEq>(
    ours: &std::collections::BTreeMap<String, T>,
    theirs: &std::collections::BTreeMap<String, T>,
    what: &str,
    show: impl Fn(&T) -> String,
    sides: &Sides,
    push: &mut impl FnMut(String),
) {
    for (name, a) in ours {
        match theirs.get(name) {
            None => push(format!("{what} `{name}` {}", sides.missing)),
            Some(b) if a != b => push(format!(
                "{what} `{name}` is {} in {}, but {} in {}",
                show(a),
                sides.ours,
                show(b),
                sides.theirs
            )),
            Some(_) => {}
        }
    }
    for name in theirs.keys().filter(|n| !ours.contains_key(*n)) {
        push(format!("{what} `{name}` is in {}, but not in {}", sides.theirs, sides.ours));
    }
}

/// Pairs each item of `ours` with one item of `theirs` that `same` accepts, each used once, and
/// returns the ones left on each side: two identical foreign keys are two, not one. Items of
/// `ours` that `exact` says ask for more (a name) are paired first, so that a looser one does
/// not take their partner.
fn unpaired<'a, T>(
    ours: &'a [T],
    theirs: &'a [T],
    exact: impl Fn(&T) -> bool,
    same: impl Fn(&T, &T) -> bool,
) -> (Vec<&'a T>, Vec<&'a T>) {
    let mut used = vec![false; theirs.len()];
    let mut left = vec![true; ours.len()];
    for pass in [true, false] {
        for (i, a) in ours.iter().enumerate().filter(|(_, a)| exact(a) == pass) {
            if let Some(j) = (0..theirs.len()).find(|&j| !used[j] && same(a, &theirs[j])) {
                used[j] = true;
                left[i] = false;
            }
        }
    }
    (
        ours.iter().zip(&left).filter(|(_, l)| **l).map(|(a, _)| a).collect(),
        theirs.iter().zip(&used).filter(|(_, u)| !**u).map(|(b, _)| b).collect(),
    )
}

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
                quiet: false,
            }];
        }
        return vec![Difference {
            column: None,
            columns: Vec::new(),
            kind: DiffKind::MissingTable,
            message: format!("table `{t}` {}", sides.missing),
            fix: Some(render::create_table(d, model)),
            quiet: false,
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
            quiet: false,
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

    // Constraint names are compared only where a model gives one: databases invent them.
    let (missing_uniques, extra_uniques) = unpaired(
        &model.uniques,
        &db.uniques,
        |u| sides.model && u.name.is_some(),
        |u, x| {
            lower(&u.columns) == lower(&x.columns)
                && (!sides.model || u.name.is_none() || x.name.as_deref() == u.name.as_deref())
        },
    );
    let unique = |u: &crate::schema::Unique, yes: &str, no: &str| {
        format!("({}) is unique in `{t}` in {yes}, but not in {no}", u.columns.join(", "))
    };
    for u in missing_uniques {
        let message = unique(u, sides.ours, sides.theirs);
        push(
            single(&u.columns),
            &u.columns,
            DiffKind::MissingUnique,
            message,
            Some(render::create_unique(d, t, u)),
        );
    }
    for u in extra_uniques {
        let drop = match (&u.name, d) {
            (Some(n), Dialect::Postgres) => Some(format!("ALTER TABLE {} DROP CONSTRAINT {};", q(t), q(n))),
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
            unique(u, sides.theirs, sides.ours),
            drop,
        );
    }

    // A model declares no partial or expression index, and no index MySQL makes for a foreign
    // key by itself: against a model, those of the other side are left alone.
    let declarable = |i: &Index| !sides.model || (!i.expression && i.predicate.is_none());
    let model_indexes: Vec<Index> = model.indexes.iter().filter(|i| declarable(i)).cloned().collect();
    let db_indexes: Vec<Index> = db.indexes.iter().filter(|i| declarable(i)).cloned().collect();
    let (missing_indexes, extra_indexes) = unpaired(
        &model_indexes,
        &db_indexes,
        |i| !i.name.is_empty(),
        |i, x| same_index(i, x) && (i.name.is_empty() || i.name.eq_ignore_ascii_case(&x.name)),
    );
    for i in missing_indexes {
        push(
            single(&i.columns),
            &i.columns,
            DiffKind::MissingIndex,
            format!("`{t}` has {} in {}, but not in {}", name_index(sides, i), sides.ours, sides.theirs),
            Some(render::create_index(d, t, i)),
        );
    }
    let for_foreign_key = |i: &Index| {
        sides.model
            && d == Dialect::Mysql
            && !i.unique
            && db.foreign_keys.iter().any(|f| lower(&f.columns) == lower(&i.columns))
    };
    for i in extra_indexes.into_iter().filter(|i| !for_foreign_key(i)) {
        let drop = match d {
            Dialect::Mysql => format!("DROP INDEX {} ON {};", q(&i.name), q(t)),
            _ => format!("DROP INDEX {};", q(&i.name)),
        };
        push(
            single(&i.columns),
            &i.columns,
            DiffKind::ExtraIndex,
            format!(
                "{}index `{}` on `{t}` ({}){} is in {}, but not in {}",
                if i.unique { "unique " } else { "" },
                i.name,
                i.columns.join(", "),
                i.predicate.as_ref().map_or(String::new(), |p| format!(" WHERE {p}")),
                sides.theirs,
                sides.ours
            ),
            Some(drop),
        );
    }

    let drop_fk = |f: &ForeignKey| {
        f.name.as_ref().and_then(|n| match d {
            Dialect::Postgres => Some(format!("ALTER TABLE {} DROP CONSTRAINT {};", q(t), q(n))),
            Dialect::Mysql => Some(format!("ALTER TABLE {} DROP FOREIGN KEY {};", q(t), q(n))),
            Dialect::Sqlite => None,
        })
    };
    let (missing_fks, extra_fks) = unpaired(&model.foreign_keys, &db.foreign_keys, |_| false, same_fk);
    let mut replaced: Vec<&ForeignKey> = Vec::new();
    let mut halves = Vec::new();
    for f in missing_fks {
        // A key on the same columns that points elsewhere is the one this replaces.
        let other = extra_fks.iter().find(|x| {
            lower(&x.columns) == lower(&f.columns) && !replaced.iter().any(|r| std::ptr::eq(*r, **x))
        });
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
            message.clone(),
            rebuild(format!("ALTER TABLE {} ADD {};", q(t), render::foreign_key(d, f))),
        );
        if let Some(x) = other {
            replaced.push(x);
            halves.push(Difference {
                column: single(&x.columns).map(str::to_owned),
                columns: x.columns.clone(),
                kind: DiffKind::ExtraForeignKey,
                message,
                fix: drop_fk(x),
                quiet: true,
            });
        }
    }
    for f in extra_fks.into_iter().filter(|x| !replaced.iter().any(|r| std::ptr::eq(*r, *x))) {
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
            drop_fk(f),
        );
    }

    let (missing_checks, extra_checks) =
        unpaired(&model.checks, &db.checks, |_| false, |c, x| c.expr == x.expr);
    for c in missing_checks {
        push(
            None,
            &[],
            DiffKind::MissingCheck,
            format!("`{t}` has `CHECK ({})` in {}, but not in {}", c.expr, sides.ours, sides.theirs),
            rebuild(format!("ALTER TABLE {} ADD {};", q(t), render::check(d, c))),
        );
    }
    for c in extra_checks {
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

    // The same columns in another order: a whole schema says where each column is.
    let names = |t: &Table| t.columns.iter().map(|c| c.name.to_ascii_lowercase()).collect::<Vec<_>>();
    let (mine, theirs) = (names(model), names(db));
    if !sides.model && mine != theirs && {
        let (mut a, mut b) = (mine.clone(), theirs.clone());
        a.sort();
        b.sort();
        a == b
    } {
        push(
            None,
            &[],
            DiffKind::ColumnOrder,
            format!(
                "the columns of `{t}` are ({}) in {}, but ({}) in {}",
                mine.join(", "),
                sides.ours,
                theirs.join(", "),
                sides.theirs
            ),
            None,
        );
    }
    out.extend(halves);
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
            // A type of the user's own (an enum) has no cast from or to the other: the values
            // go through text, and the default, which depends on the type, goes meanwhile.
            Dialect::Postgres
                if crate::render::is_user_type(&c.ty) || crate::render::is_user_type(&dc.ty) =>
            {
                let alter = format!("ALTER TABLE {} ALTER COLUMN {}", q(t), q(&c.name));
                let ty = sql_type(&c.ty);
                let mut sql = String::new();
                if dc.default.is_some() {
                    sql.push_str(&format!("{alter} DROP DEFAULT;\n"));
                }
                sql.push_str(&format!("{alter} TYPE {ty} USING {}::text::{ty};", q(&c.name)));
                if let Some(v) = &c.default {
                    sql.push_str(&format!("\n{alter} SET DEFAULT {};", crate::render::default_sql(d, v)));
                }
                Some(sql)
            }
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

/// The same index, its name aside (a model may leave it to the database).
fn same_index(a: &Index, b: &Index) -> bool {
    lower(&a.columns) == lower(&b.columns)
        && a.unique == b.unique
        && a.expression == b.expression
        && a.predicate == b.predicate
}

/// `an index on (a, b)`, `a unique index on (lower(email)) WHERE ...`.
fn describe_index(i: &Index) -> String {
    format!(
        "{} on ({}){}",
        if i.unique { "a unique index" } else { "an index" },
        i.columns.join(", "),
        i.predicate.as_ref().map_or(String::new(), |p| format!(" WHERE {p}"))
    )
}

/// [`describe_index`], with the index's name when both sides are migrations or databases (a
/// model may leave the name to the database).
fn name_index(sides: &Sides, i: &Index) -> String {
    if sides.model || i.name.is_empty() {
        return describe_index(i);
    }
    format!(
        "{}index `{}` on ({}){}",
        if i.unique { "unique " } else { "" },
        i.name,
        i.columns.join(", "),
        i.predicate.as_ref().map_or(String::new(), |p| format!(" WHERE {p}"))
    )
}

fn single(columns: &[String]) -> Option<&str> {
    columns.first().map(String::as_str)
}

fn lower(cols: &[String]) -> Vec<String> {
    cols.iter().map(|c| c.to_ascii_lowercase()).collect()
}
