//! Planning a migration: the SQL that takes the replayed schema to the one the models
//! describe (up), and back (down). What `strata generate` writes.
//!
//! The plan is made from the same comparison the derive reports ([`crate::diff::compare`]),
//! ordered so that every statement finds what it needs (referenced tables first, foreign keys
//! dropped before what they point at), and then proven: both scripts are replayed, and a plan
//! whose up does not yield exactly the models, or whose down does not restore the schema it
//! started from, is an error rather than a file.

mod enums;
mod sqlite;

pub use enums::{Enums, differences as enum_differences};

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use crate::diff::{self, DiffKind, Difference};
use crate::model::ModelDef;
use crate::render::{self, sql_type};
use crate::schema::{ForeignKey, Schema, Table};
use crate::{Dialect, ModelError, ReplayError, is_unmanaged};

/// A table as the models want it, with the names it had before.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    pub table: Table,
    /// `#[strata(renamed_from = "...")]` on the struct.
    pub renamed_from: Option<String>,
    /// `(from, to)` for each field with `renamed_from`.
    pub column_renames: Vec<(String, String)>,
}

impl Target {
    /// How the schema `current` differs from this table, as `check` and the build report it.
    pub fn drift(&self, dialect: Dialect, current: &Schema) -> Vec<crate::diff::Difference> {
        crate::diff::reported(crate::diff::compare(
            dialect,
            &crate::diff::MODEL_VS_MIGRATIONS,
            &self.table,
            self.renamed_from.as_deref(),
            &self.column_renames,
            current,
        ))
    }

    /// The target a model describes in `dialect`, with `enums` saying what its `db_enum`
    /// fields hold (see [`ModelDef::to_table_with`]).
    pub fn from_model(
        model: &ModelDef,
        dialect: Dialect,
        enums: &dyn Fn(&crate::model::FieldDef) -> Result<crate::EnumType, String>,
    ) -> Result<Target, Vec<ModelError>> {
        Ok(Target {
            table: model.to_table_with(dialect, enums)?,
            renamed_from: model.renamed_from.clone(),
            column_renames: model
                .fields
                .iter()
                .filter_map(|f| f.renamed_from.as_ref().map(|(from, _)| (from.clone(), f.column.clone())))
                .collect(),
        })
    }
}

/// One SQL file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub sql: String,
    /// The script manages its own transaction (a SQLite table rebuild turns foreign keys off,
    /// which SQLite only allows outside one); its first line says `-- no-transaction`.
    pub no_transaction: bool,
}

/// A migration to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub up: Script,
    pub down: Script,
    /// What the up does, one line per change (`+ table posts`, `- column users.age`).
    pub changes: Vec<String>,
    /// Steps that lose data or can fail on a table with rows; `generate` stops on them unless
    /// told they are meant.
    pub warnings: Vec<String>,
    /// A name for the migration when the user gives none (`add_phone_to_users`).
    pub suggested_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{}", render_unsupported(.0))]
    Unsupported(Vec<String>),
    #[error(
        "the generated {direction} SQL does not do what it should (a bug in strata; please report it with the models and migrations):\n{}\n--- the SQL ---\n{sql}",
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
    )]
    Incomplete { direction: &'static str, problems: Vec<String>, sql: String },
    #[error(
        "the generated {direction} SQL does not replay (a bug in strata; please report it with the models and migrations): {source}\n--- the SQL ---\n{sql}"
    )]
    Replay { direction: &'static str, source: Box<ReplayError>, sql: String },
}

fn render_unsupported(problems: &[String]) -> String {
    format!(
        "strata cannot write SQL for {}:\n{}\nwrite these steps by hand in a migration from `strata generate --empty -m \"...\"`",
        if problems.len() == 1 { "this change" } else { "these changes" },
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
    )
}

/// Plans the migration from `current` (the replayed migrations) to `targets` (the models) and,
/// on PostgreSQL, the enum types `enums` their columns use. Tables that match `unmanaged` are
/// left alone. `Ok(None)` when nothing differs.
///
/// Give `current` as the replay leaves it, before [`Schema::normalize`]: normalising hides
/// what the database keeps on its own (MySQL's index of a foreign key, which outlives the key),
/// and the plan must see it to undo it.
pub fn plan(
    d: Dialect,
    current: &Schema,
    targets: &[Target],
    enums: &Enums,
    unmanaged: &[String],
) -> Result<Option<Plan>, PlanError> {
    // Each schema is normalised once: steps compare normalised tables, and keep the raw ones
    // for what the replay left unnormalised (MySQL's foreign-key indexes).
    let before = normalized(d, current);
    let up = steps(d, current, &before, targets, enums, unmanaged, false);
    if up.is_empty() {
        return Ok(None);
    }
    if !up.unsupported.is_empty() {
        return Err(PlanError::Unsupported(up.unsupported));
    }
    let up_script = up.script(d);
    let (after, after_normalized) = proven(d, current, targets, enums, unmanaged, &up_script.sql, "up")?;

    // Down: the tables as they were are the targets, with every rename turned around.
    let back: Vec<Target> = before
        .tables
        .values()
        .filter(|t| !is_unmanaged(unmanaged, &t.name))
        .map(|t| Target {
            table: restorable(
                d,
                t,
                after_normalized.table(&t.name).is_none()
                    && !up.renamed_tables.contains_key(&t.name.to_ascii_lowercase()),
            ),
            renamed_from: up.renamed_tables.get(&t.name.to_ascii_lowercase()).cloned(),
            column_renames: up
                .renamed_columns
                .get(&t.name.to_ascii_lowercase())
                .map(|r| r.iter().map(|(from, to)| (to.clone(), from.clone())).collect())
                .unwrap_or_default(),
        })
        .collect();
    let down = steps(d, &after, &after_normalized, &back, &before.enums, unmanaged, true);
    if !down.unsupported.is_empty() {
        return Err(PlanError::Unsupported(down.unsupported));
    }
    let down_script = down.script(d);
    proven(d, &after, &back, &before.enums, unmanaged, &down_script.sql, "down")?;

    Ok(Some(Plan {
        up: up_script,
        down: down_script,
        suggested_name: up.suggested_name(),
        changes: up.changes,
        warnings: up.warnings,
    }))
}

/// Every way the models and `current` differ, in words: what `strata check` reports.
pub fn differences(
    d: Dialect,
    current: &Schema,
    targets: &[Target],
    enums: &Enums,
    unmanaged: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = enums::differences(current, enums).into_iter().map(|x| x.1).collect();
    for t in targets {
        out.extend(
            diff::reported(diff::compare(
                d,
                &diff::MODEL_VS_MIGRATIONS,
                &t.table,
                t.renamed_from.as_deref(),
                &t.column_renames,
                current,
            ))
            .into_iter()
            .map(|x| x.message),
        );
    }
    for name in unmodeled(current, targets, unmanaged) {
        out.push(format!(
            "table `{name}` is created by the migrations, but no model describes it (list it under `unmanaged` in strata.toml if another application owns it)"
        ));
    }
    out
}

/// The tables of `current` that no target describes, not even under an old name, and that are
/// not unmanaged: what a plan drops.
pub fn unmodeled<'a>(current: &'a Schema, targets: &'a [Target], unmanaged: &'a [String]) -> Vec<&'a str> {
    dropped(current, targets, unmanaged).collect()
}

/// `t` as a down restores it (`created`: the down creates it anew). Constraints keep their
/// names, so that later migrations find them, except MySQL's keys named `<table>_ibfk_<n>`
/// where leaving the name to MySQL gives the same name back: then their index, named after the
/// column, also comes back as the index MySQL made. Where it would not, the name is kept and
/// the index MySQL makes for the key takes the key's name: the one name a down cannot give
/// back (creating the old index first would keep its name, but as the user's index, which a
/// later up then keeps where MySQL drops its own). Indexes MySQL makes for foreign keys are
/// left out: restoring the key makes its index again.
pub(crate) fn restorable(d: Dialect, t: &Table, created: bool) -> Table {
    let mut t = t.clone();
    if d == Dialect::Mysql {
        let prefix = format!("{}_ibfk_", t.name);
        let number =
            |n: Option<&str>| n.and_then(|n| n.strip_prefix(&prefix)).and_then(|n| n.parse::<u32>().ok());
        // A key whose index bears its name was named so by hand.
        let own_index = |f: &crate::schema::ForeignKey| {
            t.indexes
                .iter()
                .any(|i| i.generated && f.name.as_deref().is_some_and(|n| i.name.eq_ignore_ascii_case(n)))
        };
        let numbers: Vec<Option<u32>> =
            t.foreign_keys.iter().map(|f| number(f.name.as_deref()).filter(|_| !own_index(f))).collect();
        let unnamed: Vec<bool> = if created {
            // CREATE TABLE numbers the keys it names 1, 2, ... in order.
            let auto: Vec<u32> = numbers.iter().flatten().copied().collect();
            let in_order = auto.iter().enumerate().all(|(i, n)| *n as usize == i + 1);
            numbers.iter().map(|n| in_order && n.is_some()).collect()
        } else {
            // ALTER TABLE names a key one past the highest number on the table.
            (0..numbers.len())
                .map(|k| {
                    let others = numbers.iter().enumerate().filter(|(j, _)| *j != k).filter_map(|(_, n)| *n);
                    numbers[k].is_some_and(|n| n == others.max().unwrap_or(0) + 1)
                })
                .collect()
        };
        for (f, unnamed) in t.foreign_keys.iter_mut().zip(unnamed) {
            if unnamed {
                f.name = None;
            }
        }
    }
    let remade =
        |i: &crate::schema::Index| t.foreign_keys.iter().any(|f| lower(&f.columns) == lower(&i.columns));
    let keep: Vec<bool> = t.indexes.iter().map(|i| !(i.generated && remade(i))).collect();
    let mut keep = keep.into_iter();
    t.indexes.retain(|_| keep.next().unwrap_or(true));
    t
}

/// Replays `sql` onto `from` and checks the result is exactly `targets`.
fn proven(
    d: Dialect,
    from: &Schema,
    targets: &[Target],
    enums: &Enums,
    unmanaged: &[String],
    sql: &str,
    direction: &'static str,
) -> Result<(Schema, Schema), PlanError> {
    let mut after = from.clone();
    crate::replay::apply_sql(d, &mut after, Path::new(direction), sql)
        .map_err(|source| PlanError::Replay { direction, source: Box::new(source), sql: sql.to_owned() })?;
    let exact: Vec<Target> = targets
        .iter()
        .map(|t| Target { renamed_from: None, column_renames: Vec::new(), ..t.clone() })
        .collect();
    let after_normalized = normalized(d, &after);
    let problems = differences(d, &after_normalized, &exact, enums, unmanaged);
    if problems.is_empty() {
        Ok((after, after_normalized))
    } else {
        Err(PlanError::Incomplete { direction, problems, sql: sql.to_owned() })
    }
}

/// The order statements run in: each phase only needs what the earlier ones made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    // Renamed tables first: every later statement, drops included, names a table as the
    // models do (a key dropped before the rename named the new table, which did not exist yet).
    RenameTables,
    DropForeignKeys,
    DropIndexes,
    RenameColumns,
    CreateTypes,
    CreateTables,
    AddColumns,
    AlterColumns,
    Rebuild,
    DropColumns,
    PrimaryKeys,
    AddIndexes,
    AddForeignKeys,
    DropTables,
    DropTypes,
}

#[derive(Debug, Default)]
struct Steps {
    statements: Vec<(Phase, String)>,
    changes: Vec<String>,
    warnings: Vec<String>,
    unsupported: Vec<String>,
    /// Lowercased old table name -> new name.
    renamed_tables: BTreeMap<String, String>,
    /// Lowercased old table name -> (from, to) column renames.
    renamed_columns: BTreeMap<String, Vec<(String, String)>>,
    rebuild: bool,
    names: Vec<String>,
    /// These steps are a down (see [`steps`]).
    down: bool,
    /// Values the steps add to existing PostgreSQL enums, as SQL literals.
    added_values: Vec<String>,
}

impl Steps {
    fn is_empty(&self) -> bool {
        self.statements.is_empty() && self.unsupported.is_empty()
    }

    fn push(&mut self, phase: Phase, sql: String) {
        self.statements.push((phase, sql));
    }

    fn script(&self, d: Dialect) -> Script {
        let mut statements = self.statements.clone();
        statements.sort_by_key(|(phase, _)| *phase); // stable: order within a phase is kept
        let body = statements.into_iter().map(|(_, s)| s).collect::<Vec<_>>().join("\n");
        if self.rebuild {
            return Script { sql: sqlite::wrap_rebuild(&body), no_transaction: true };
        }
        // PostgreSQL cannot use a value added to an enum before the transaction that added it
        // commits: a migration that does runs each statement on its own.
        let uses_new_value = d == Dialect::Postgres
            && self.statements.iter().any(|(_, s)| {
                !s.starts_with("ALTER TYPE") && self.added_values.iter().any(|v| s.contains(v.as_str()))
            });
        if uses_new_value {
            Script {
                sql: format!(
                    "-- no-transaction\n-- PostgreSQL cannot use a value added to an enum in the transaction that adds it,\n-- so each statement runs on its own.\n{body}\n"
                ),
                no_transaction: true,
            }
        } else {
            Script { sql: format!("{body}\n"), no_transaction: false }
        }
    }

    fn suggested_name(&self) -> String {
        match self.names.as_slice() {
            [] => "migration".to_owned(),
            [one] => one.clone(),
            [first, ..] => format!("{first}_and_more"),
        }
    }
}

fn normalized(d: Dialect, s: &Schema) -> Schema {
    let mut s = s.clone();
    s.normalize(d);
    s
}

/// The foreign keys of `s` as they read once the renames `targets` ask for have run: every
/// database here retargets a key when the table or column it points at is renamed, so the
/// plan must not add it again.
fn retargeted(d: Dialect, s: &Schema, targets: &[Target]) -> Schema {
    let mut out = s.clone();
    for t in targets {
        let name = &t.table.name;
        let old = t
            .renamed_from
            .as_deref()
            .filter(|old| s.table(name).is_none() && s.table(old).is_some())
            .filter(|old| !targets.iter().any(|x| x.table.name.eq_ignore_ascii_case(old)));
        let source = old.unwrap_or(name);
        let Some(table) = s.table(source) else { continue };
        for (from, to) in &t.column_renames {
            if table.column(from).is_some() && table.column(to).is_none() {
                out.retarget_column(source, from, to);
            }
        }
        if let Some(old) = old {
            if d == Dialect::Mysql
                && let Some(t) = out.table_mut(old)
            {
                t.rename_mysql_key_names(name);
            }
            out.retarget_table(old, name);
        }
    }
    out
}

/// The steps from `raw` (a replay, not normalised; `from` is it normalised) to `targets`.
/// `down`: the steps undo a migration, and a NOT NULL column they bring back gets a placeholder
/// value for the rows the up left without one.
fn steps(
    d: Dialect,
    raw: &Schema,
    from: &Schema,
    targets: &[Target],
    enums: &Enums,
    unmanaged: &[String],
    down: bool,
) -> Steps {
    let (raw, from) = (&retargeted(d, raw, targets), &retargeted(d, from, targets));
    let q = |s: &str| d.quote_ident(s);
    let mut st = Steps { down, ..Steps::default() };
    let mut created = Vec::new();
    for t in targets {
        let name = &t.table.name;
        let old = if from.table(name).is_some() {
            from.table(name)
        } else {
            t.renamed_from
                .as_deref()
                .filter(|old| !targets.iter().any(|x| x.table.name.eq_ignore_ascii_case(old)))
                .and_then(|old| from.table(old))
        };
        match old {
            Some(old) => table_steps(d, from, old, raw.table(&old.name).unwrap_or(old), t, enums, &mut st),
            None => created.push(&t.table),
        }
    }
    let created = topological(&created);
    for (i, t) in created.iter().enumerate() {
        // A foreign key to a table created later (a cycle) is added once both exist; SQLite
        // lets a table reference one that does not exist yet.
        let later = |f: &ForeignKey| {
            d != Dialect::Sqlite && created[i + 1..].iter().any(|x| x.name.eq_ignore_ascii_case(&f.ref_table))
        };
        let mut now = (*t).clone();
        now.foreign_keys.retain(|f| !later(f));
        st.push(Phase::CreateTables, render::create_table(d, &now));
        for f in t.foreign_keys.iter().filter(|f| later(f)) {
            st.push(
                Phase::AddForeignKeys,
                format!("ALTER TABLE {} ADD {};", q(&t.name), render::foreign_key(d, f)),
            );
        }
        st.changes.push(format!("+ table {}", t.name));
        st.names.push(format!("create_{}", t.name));
    }
    let gone: Vec<&Table> = dropped(from, targets, unmanaged).filter_map(|n| from.table(n)).collect();
    let gone: Vec<&Table> = topological(&gone).into_iter().rev().collect();
    for (i, t) in gone.iter().enumerate() {
        // A table dropped later that references this one (a cycle) loses that foreign key first.
        for later in &gone[i + 1..] {
            for f in later.foreign_keys.iter().filter(|f| f.ref_table.eq_ignore_ascii_case(&t.name)) {
                let drop = match (d, &f.name) {
                    (Dialect::Postgres, Some(n)) => {
                        format!("ALTER TABLE {} DROP CONSTRAINT {};", q(&later.name), q(n))
                    }
                    (Dialect::Mysql, Some(n)) => {
                        format!("ALTER TABLE {} DROP FOREIGN KEY {};", q(&later.name), q(n))
                    }
                    // SQLite cannot drop a key: the tables go with foreign keys off (dropping
                    // one with them on runs the `ON DELETE` actions of the other, which fail).
                    (Dialect::Sqlite, _) => {
                        st.rebuild = true;
                        continue;
                    }
                    _ => continue,
                };
                st.push(Phase::DropForeignKeys, drop);
            }
        }
        st.push(Phase::DropTables, format!("DROP TABLE {};", q(&t.name)));
        st.changes.push(format!("- table {}", t.name));
        st.names.push(format!("drop_{}", t.name));
        st.warnings.push(format!("drops table `{}` and every row in it", t.name));
    }
    if d == Dialect::Postgres {
        enums::steps(d, from, targets, enums, unmanaged, &mut st);
    }
    st
}

/// Tables of `from` that no target keeps, not even under a new name.
fn dropped<'a>(
    from: &'a Schema,
    targets: &'a [Target],
    unmanaged: &'a [String],
) -> impl Iterator<Item = &'a str> + 'a {
    // What the models name: their tables, and the names they had before where the new name
    // is not in `from` yet. One set, looked up once per table of `from`.
    let named: HashSet<String> = targets
        .iter()
        .flat_map(|t| {
            let before = t.renamed_from.as_deref().filter(|_| from.table(&t.table.name).is_none());
            std::iter::once(t.table.name.as_str()).chain(before)
        })
        .map(str::to_ascii_lowercase)
        .collect();
    from.tables
        .values()
        .map(|t| t.name.as_str())
        .filter(move |name| !is_unmanaged(unmanaged, name) && !named.contains(&name.to_ascii_lowercase()))
}

/// Referenced tables before the tables that reference them (a cycle keeps its given order).
fn topological<'a>(tables: &[&'a Table]) -> Vec<&'a Table> {
    fn visit<'a>(
        t: &'a Table,
        all: &BTreeMap<String, &'a Table>,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<&'a Table>,
    ) {
        if !seen.insert(t.name.to_ascii_lowercase()) {
            return;
        }
        for f in &t.foreign_keys {
            if let Some(r) = all.get(&f.ref_table.to_ascii_lowercase()) {
                visit(r, all, seen, out);
            }
        }
        out.push(t);
    }
    let all: BTreeMap<String, &Table> = tables.iter().map(|t| (t.name.to_ascii_lowercase(), *t)).collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for t in tables {
        visit(t, &all, &mut seen, &mut out);
    }
    out
}

/// The statements that turn the existing table `old` into `t`.
fn table_steps(
    d: Dialect,
    from: &Schema,
    old: &Table,
    raw: &Table,
    t: &Target,
    enums: &Enums,
    st: &mut Steps,
) {
    let q = |s: &str| d.quote_ident(s);
    let model = &t.table;
    let name = &model.name;
    let renamed = !old.name.eq_ignore_ascii_case(name);
    // Compared as if the table already had the model's name: a rename is a step of its own.
    let as_named = renamed.then(|| {
        let mut s = Schema::default();
        s.insert_table(Table { name: name.clone(), ..old.clone() });
        s
    });
    let diffs = diff::compare(
        d,
        &diff::MODEL_VS_MIGRATIONS,
        model,
        None,
        &t.column_renames,
        as_named.as_ref().unwrap_or(from),
    );
    if renamed {
        st.renamed_tables.insert(old.name.to_ascii_lowercase(), name.clone());
        st.changes.push(format!("~ table {} renamed to {name}", old.name));
        st.names.push(format!("rename_{}_to_{name}", old.name));
    }
    let renames: Vec<(String, String)> = diffs
        .iter()
        .filter(|x| x.kind == DiffKind::RenamedColumn)
        .filter_map(|x| {
            let to = x.column.clone()?;
            t.column_renames.iter().find(|(_, n)| n.eq_ignore_ascii_case(&to)).map(|(f, _)| (f.clone(), to))
        })
        .collect();
    if !renames.is_empty() {
        st.renamed_columns.insert(old.name.to_ascii_lowercase(), renames.clone());
    }
    for x in &diffs {
        describe(old, model, x, &renames, st);
        warn(old, model, x, &renames, st);
    }
    // A column added with a default and made unique at once: every existing row holds the
    // same value.
    let added = |c: &String| {
        diffs.iter().any(|x| {
            x.kind == DiffKind::MissingColumn
                && x.column.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(c))
        })
    };
    for x in diffs.iter().filter(|x| x.kind == DiffKind::MissingUnique) {
        if let Some(c) =
            x.columns.iter().find(|c| added(c)).and_then(|c| model.column(c)).filter(|c| c.default.is_some())
        {
            st.warnings.push(format!(
                "adds `{}.{}` with DEFAULT {} and makes it unique: every row of `{}` gets the same value, so this fails if it has more than one; add the column in one migration, give the rows their values, and add the unique in the next",
                model.name,
                c.name,
                c.default.as_deref().unwrap_or_default(),
                model.name
            ));
        }
    }
    if renamed {
        st.push(Phase::RenameTables, format!("ALTER TABLE {} RENAME TO {};", q(&old.name), q(name)));
    }
    if d == Dialect::Sqlite && sqlite::needs_rebuild(old, model, &diffs) {
        st.rebuild = true;
        let fill = if st.down { refilled(d, old, model, &renames, enums, st) } else { Vec::new() };
        // Renamed first, in place: SQLite then rewrites the keys of other tables that point at
        // it, which a rebuild under the new name would leave pointing at the old one.
        let old = Table { name: name.clone(), ..old.clone() };
        for sql in sqlite::rebuild(&old, model, &renames, &fill) {
            st.push(Phase::Rebuild, sql);
        }
        return;
    }
    if d == Dialect::Mysql {
        // MySQL keeps the index it made for a foreign key when the key goes; the model has no
        // such index unless it asks for one.
        for x in diffs.iter().filter(|x| x.kind == DiffKind::ExtraForeignKey) {
            let wanted = |cols: &[String]| {
                cols.len() >= x.columns.len() && lower(&cols[..x.columns.len()]) == lower(&x.columns)
            };
            let kept = model.indexes.iter().any(|i| wanted(&i.columns))
                || model.uniques.iter().any(|u| wanted(&u.columns))
                || model.foreign_keys.iter().any(|f| wanted(&f.columns))
                || model.primary_key.as_ref().is_some_and(|p| wanted(&p.columns));
            let implicit = raw.indexes.iter().find(|i| !i.unique && lower(&i.columns) == lower(&x.columns));
            if let (false, Some(i)) = (kept, implicit) {
                st.push(Phase::DropIndexes, format!("DROP INDEX {} ON {};", q(&i.name), q(name)));
            }
        }
    }
    let fill = if st.down { refilled(d, old, model, &renames, enums, st) } else { Vec::new() };
    for mut x in diffs {
        if x.kind == DiffKind::MissingColumn
            && let Some((c, value)) = fill.iter().find(|(c, _)| Some(c.name.as_str()) == x.column.as_deref())
        {
            // Added with the placeholder as its default, which then goes: the column is as it
            // was, and the rows hold a value.
            let filled = crate::schema::Column { default: Some(value.clone()), ..c.clone() };
            x.fix = Some(format!(
                "-- `{name}.{col}` comes back without the values the up dropped: rows get {value}.\nALTER TABLE {t} ADD COLUMN {};\nALTER TABLE {t} ALTER COLUMN {} DROP DEFAULT;",
                render::column_def(d, &filled, model),
                q(&c.name),
                t = q(name),
                col = c.name,
            ));
        }
        let phase = match x.kind {
            DiffKind::ExtraForeignKey => Phase::DropForeignKeys,
            DiffKind::ExtraIndex | DiffKind::ExtraUnique | DiffKind::ExtraCheck => Phase::DropIndexes,
            DiffKind::RenamedTable => Phase::RenameTables,
            DiffKind::RenamedColumn => Phase::RenameColumns,
            DiffKind::MissingTable => Phase::CreateTables,
            DiffKind::MissingColumn => Phase::AddColumns,
            DiffKind::Type | DiffKind::Nullable | DiffKind::Default | DiffKind::AutoIncrement => {
                Phase::AlterColumns
            }
            DiffKind::ExtraColumn => Phase::DropColumns,
            DiffKind::PrimaryKey => Phase::PrimaryKeys,
            DiffKind::MissingIndex | DiffKind::MissingUnique => Phase::AddIndexes,
            DiffKind::MissingForeignKey | DiffKind::MissingCheck => Phase::AddForeignKeys,
            // Only a comparison of whole schemas finds these; a plan is made table by table.
            DiffKind::ExtraTable => Phase::DropTables,
            DiffKind::ColumnOrder | DiffKind::UserType => Phase::AlterColumns,
        };
        match x.fix {
            Some(sql) => st.push(phase, sql),
            None => st.unsupported.push(x.message),
        }
    }
}

/// The NOT NULL columns without a default that a down brings back to `old` (so the rows hold
/// no value for them), each with the placeholder its rows get; a column whose type has none is
/// a step strata cannot write.
fn refilled(
    d: Dialect,
    old: &Table,
    model: &Table,
    renames: &[(String, String)],
    enums: &Enums,
    st: &mut Steps,
) -> Vec<(crate::schema::Column, String)> {
    let mut out = Vec::new();
    // An enum's first value, whatever keeps the column to its values.
    let first_value = |c: &crate::schema::Column| {
        let values = crate::model::enum_values_of(d, enums, model, &c.name)?;
        values.into_iter().next().map(|v| format!("'{}'", v.replace('\'', "''")))
    };
    for c in &model.columns {
        let back = old.column(before_rename(renames, &c.name)).is_none();
        if !back || c.nullable || c.default.is_some() || c.auto_increment {
            continue;
        }
        match first_value(c).or_else(|| crate::types::placeholder(d, &c.ty).map(str::to_owned)) {
            Some(v) => out.push((c.clone(), v)),
            None => st.unsupported.push(format!(
                "the down brings back `{}.{}` as NOT NULL, and strata knows no value of `{}` for the rows the up left without one",
                model.name,
                c.name,
                sql_type(&c.ty)
            )),
        }
    }
    out
}

/// One line of the change list, and a name for the migration from the first change.
fn describe(old: &Table, model: &Table, x: &Difference, renames: &[(String, String)], st: &mut Steps) {
    let table = &model.name;
    let col = x.column.as_deref().or(x.columns.first().map(String::as_str)).unwrap_or("");
    // A column change reads as before -> after.
    let source = before_rename(renames, col);
    let columns = old.column(source).zip(model.column(col));
    let change = |what: &dyn Fn(&crate::schema::Column) -> String| {
        columns.map(|(before, after)| format!("~ column {table}.{col}: {} -> {}", what(before), what(after)))
    };
    let line = match x.kind {
        DiffKind::Type => change(&|c| sql_type(&c.ty)),
        DiffKind::Nullable => change(&|c| if c.nullable { "nullable" } else { "NOT NULL" }.to_owned()),
        DiffKind::Default => {
            change(&|c| c.default.as_deref().map_or("no default".to_owned(), |v| format!("DEFAULT {v}")))
        }
        DiffKind::AutoIncrement => change(&|c| {
            if c.auto_increment { "assigned by the database" } else { "not assigned by the database" }
                .to_owned()
        }),
        _ => None,
    };
    let alter = format!("alter_{table}_{col}").trim_end_matches('_').to_owned();
    let (line, name) = match (line, x.kind) {
        (Some(line), _) => (line, alter),
        (None, DiffKind::MissingColumn) => {
            (format!("+ column {table}.{col}"), format!("add_{col}_to_{table}"))
        }
        (None, DiffKind::ExtraColumn) => {
            (format!("- column {table}.{col}"), format!("drop_{col}_from_{table}"))
        }
        (None, DiffKind::RenamedColumn) => {
            (format!("~ column {table}.{source} renamed to {col}"), format!("rename_{table}_{col}"))
        }
        (None, DiffKind::MissingIndex | DiffKind::MissingUnique) => {
            let what = if x.kind == DiffKind::MissingUnique { "unique" } else { "index" };
            (
                format!("+ {what} {table}({})", x.columns.join(", ")),
                format!("add_index_{table}_{}", x.columns.join("_")),
            )
        }
        (None, DiffKind::ExtraIndex | DiffKind::ExtraUnique) => {
            let what = if x.kind == DiffKind::ExtraUnique { "unique" } else { "index" };
            (
                format!("- {what} {table}({})", x.columns.join(", ")),
                format!("drop_index_{table}_{}", x.columns.join("_")),
            )
        }
        (None, DiffKind::MissingForeignKey) => (
            format!("+ foreign key {}", foreign_key(model, &x.columns)),
            format!("add_foreign_key_{table}_{col}"),
        ),
        (None, DiffKind::ExtraForeignKey) => (
            format!("- foreign key {}", foreign_key(old, &x.columns)),
            format!("drop_foreign_key_{table}_{col}"),
        ),
        _ => (format!("~ {}", x.message), alter),
    };
    st.changes.push(line);
    st.names.push(name);
}

/// The name `col` has before `renames` (`(from, to)` pairs) run.
fn before_rename<'a>(renames: &'a [(String, String)], col: &'a str) -> &'a str {
    renames.iter().find(|(_, to)| to.eq_ignore_ascii_case(col)).map_or(col, |(from, _)| from)
}

/// `posts(author_id) -> users(id)`: the key of `t` on `columns`, for the change list.
fn foreign_key(t: &Table, columns: &[String]) -> String {
    let key = t.foreign_keys.iter().find(|f| lower(&f.columns) == lower(columns));
    let target = key.map_or(String::new(), |f| format!(" -> {}({})", f.ref_table, f.ref_columns.join(", ")));
    format!("{}({}){target}", t.name, columns.join(", "))
}

/// The warnings for steps that lose data or can fail on a table with rows.
fn warn(old: &Table, model: &Table, x: &Difference, renames: &[(String, String)], st: &mut Steps) {
    let t = &model.name;
    let Some(col) = x.column.as_deref().or(x.columns.first().map(String::as_str)) else { return };
    match x.kind {
        DiffKind::ExtraColumn => st.warnings.push(format!("drops column `{t}.{col}` and the data in it")),
        DiffKind::MissingColumn => {
            if let Some(c) = model.column(col).filter(|c| !c.nullable && c.default.is_none() && !c.auto_increment)
            {
                st.warnings.push(format!(
                    "adds `{t}.{}` as NOT NULL without a default: this fails if `{t}` has rows; give the field `#[strata(default = \"...\")]` or make it an `Option`",
                    c.name
                ));
            }
        }
        DiffKind::Type => {
            let source = before_rename(renames, col);
            if let (Some(before), Some(after)) = (old.column(source), model.column(col))
                && !crate::types::widens(&before.ty, &after.ty)
            {
                st.warnings.push(format!(
                    "changes `{t}.{col}` from {} to {}: values that do not fit fail the migration or are cut",
                    sql_type(&before.ty),
                    sql_type(&after.ty)
                ));
            }
        }
        DiffKind::Nullable if model.column(col).is_some_and(|c| !c.nullable) => st.warnings.push(format!(
            "makes `{t}.{col}` NOT NULL: this fails if a row holds NULL there; fill it in an earlier migration"
        )),
        _ => {}
    }
}

#[cfg(test)]
mod tests;

fn lower(cols: &[String]) -> Vec<String> {
    cols.iter().map(|c| c.to_ascii_lowercase()).collect()
}
