//! The replay with every down proven on the way, copying only what a migration can change.
//!
//! For a migration with a down file: the tables its up and its down can change are copied
//! before the up (as they were) and after it (to go on from); the down is applied to the
//! schema itself, what it leaves is compared with the copy from before, and the copy from
//! after is put back. The tables a statement can change are the ones it names, the tables
//! whose foreign keys point at those (a cascade, a renamed table or column), and both names of
//! a rename; a statement whose tables its text does not say, or that changes a type columns
//! may use, makes the copy the whole schema. Enum and composite types, functions and views are
//! copied whole each time (they are few). [`crate::downs::prove`] is the same proof on copies
//! of the whole schema; tests hold the two to the same answers.

use std::collections::{BTreeMap, BTreeSet};

use sqlparser::ast::{ObjectType, Statement};

use super::owners::{IndexOwners, renames};
use super::{Step, apply_steps, parse};
use crate::downs::{Problem, Unrestored};
use crate::migrations::{Migration, MigrationSet};
use crate::schema::{Table, View};
use crate::{Dialect, ReplayError, Schema};

/// What a migration's up and down can change: some tables by key, or everything.
type Scope = Option<BTreeSet<String>>;

/// The tables `steps` can change, applied to `schema` as it is now; `None` when that is not
/// known from their text.
fn changed_by(dialect: Dialect, schema: &Schema, owners: &IndexOwners, steps: &[Step]) -> Scope {
    let mut out = BTreeSet::new();
    for step in steps {
        match step {
            Step::Ddl { ast, .. } => {
                match &**ast {
                    // A dropped or altered type changes the columns that use it.
                    Statement::AlterType(_) => return None,
                    Statement::Drop { object_type, .. }
                        if !matches!(
                            object_type,
                            ObjectType::Table
                                | ObjectType::Index
                                | ObjectType::View
                                | ObjectType::MaterializedView
                        ) =>
                    {
                        return None;
                    }
                    _ => {}
                }
                for (from, to) in renames(dialect, ast) {
                    out.insert(from);
                    out.insert(to);
                }
                for t in owners.tables_of(dialect, schema, ast)? {
                    out.extend(owners.referrers(schema, &t).into_iter().map(|r| r.to_ascii_lowercase()));
                    out.insert(t);
                }
            }
            Step::Said { .. } => return None,
            Step::ConstraintExists { .. }
            | Step::TempTable(_)
            | Step::Defines(_)
            | Step::Calls(_)
            | Step::View(..)
            | Step::Error(_) => {}
        }
    }
    Some(out)
}

/// The part of a schema a scope covers, as it was at one moment.
enum Kept {
    Whole(Schema),
    Part {
        tables: BTreeMap<String, Option<Table>>,
        enums: BTreeMap<String, Vec<String>>,
        composites: BTreeMap<String, Vec<(String, String)>>,
        functions: BTreeSet<String>,
        views: BTreeMap<String, View>,
    },
}

impl Kept {
    fn take(schema: &Schema, scope: &Scope) -> Kept {
        match scope {
            None => Kept::Whole(schema.clone()),
            Some(keys) => Kept::Part {
                tables: keys.iter().map(|k| (k.clone(), schema.tables.get(k).cloned())).collect(),
                enums: schema.enums.clone(),
                composites: schema.composites.clone(),
                functions: schema.functions.clone(),
                views: schema.views.clone(),
            },
        }
    }

    /// `schema` with this copy in place of what it covers.
    fn put_back(self, schema: &mut Schema) {
        match self {
            Kept::Whole(s) => *schema = s,
            Kept::Part { tables, enums, composites, functions, views } => {
                for (k, t) in tables {
                    match t {
                        Some(t) => schema.tables.insert(k, t),
                        None => schema.tables.remove(&k),
                    };
                }
                schema.enums = enums;
                schema.composites = composites;
                schema.functions = functions;
                schema.views = views;
            }
        }
    }

    /// The copy as a schema of its own, the tables it holds and nothing else.
    fn into_schema(self) -> Schema {
        match self {
            Kept::Whole(s) => s,
            Kept::Part { tables, enums, composites, functions, views } => Schema {
                tables: tables.into_iter().filter_map(|(k, t)| Some((k, t?))).collect(),
                enums,
                composites,
                functions,
                views,
            },
        }
    }

    /// This copy from before an up, over the copy from after it: the schema before the up as
    /// far as `after` covers it (a table only `after` holds, the up did not change).
    fn over(self, after: &Kept) -> Schema {
        match (self, after) {
            (Kept::Whole(s), _) => s,
            (before, Kept::Whole(a)) => {
                let mut s = a.clone();
                before.put_back(&mut s);
                s
            }
            (
                Kept::Part { tables, enums, composites, functions, views },
                Kept::Part { tables: later, .. },
            ) => {
                let mut out: BTreeMap<String, Table> = later
                    .iter()
                    .filter(|(k, _)| !tables.contains_key(*k))
                    .filter_map(|(k, t)| Some((k.clone(), t.clone()?)))
                    .collect();
                out.extend(tables.into_iter().filter_map(|(k, t)| Some((k, t?))));
                Schema { tables: out, enums, composites, functions, views }
            }
        }
    }
}

/// A migration's two files, parsed.
pub(super) struct Parsed {
    up: Vec<Step>,
    down: Option<Vec<Step>>,
}

pub(super) fn parse_both(dialect: Dialect, set: &MigrationSet, m: &Migration) -> Parsed {
    let effects = |file, down| crate::downs::effects(set, file, super::other_of(m, down));
    Parsed {
        up: parse(dialect, &m.up.path, &m.up.sql, &effects(&m.up, false)),
        down: m
            .down
            .as_ref()
            .filter(|d| !crate::downs::marked_irreversible(&d.sql))
            .map(|d| parse(dialect, &d.path, &d.sql, &effects(d, true))),
    }
}

/// Applies `m`'s up to `schema` and, when it has a down, proves it (see the module's words).
pub(super) fn apply_proving(
    dialect: Dialect,
    schema: &mut Schema,
    owners: &mut IndexOwners,
    set: &MigrationSet,
    m: &Migration,
    parsed: Parsed,
) -> Result<Option<Unrestored>, ReplayError> {
    let (Some(down), Some(down_steps)) = (&m.down, parsed.down) else {
        apply_steps(dialect, schema, owners, &m.up.path, &m.up.sql, parsed.up)?;
        return Ok(None);
    };
    let up_scope = changed_by(dialect, schema, owners, &parsed.up);
    let before = Kept::take(schema, &up_scope);
    apply_steps(dialect, schema, owners, &m.up.path, &m.up.sql, parsed.up)?;
    // The down's tables as the up left them; a table only the down names is, before the up,
    // as the up left it.
    let scope = match (up_scope, changed_by(dialect, schema, owners, &down_steps)) {
        (Some(mut up), Some(down)) => {
            up.extend(down);
            Some(up)
        }
        _ => None,
    };
    let after = Kept::take(schema, &scope);
    let before_schema = before.over(&after);
    let problem = match apply_steps(dialect, schema, owners, &down.path, &down.sql, down_steps) {
        Err(e) => Some(Problem::Replay(e)),
        Ok(()) => {
            let now = Kept::take(schema, &scope).into_schema();
            // Equal as they stand is proven without more; else compared as `check` compares.
            if before_schema != now && crate::downs::differ(dialect, &before_schema, &now) {
                // Said, and its SQL planned, on the whole schema: a table the words or the
                // plan need (a key's target) may lie outside the scope, where nothing changed.
                let whole_before = match &scope {
                    None => before_schema,
                    Some(keys) => {
                        let Schema { mut tables, enums, composites, functions, views } = before_schema;
                        let tables = keys.iter().map(|k| (k.clone(), tables.remove(k))).collect();
                        let mut s = schema.clone();
                        Kept::Part { tables, enums, composites, functions, views }.put_back(&mut s);
                        s
                    }
                };
                crate::downs::differs(dialect, &whole_before, schema, &set.config.unmanaged)
            } else {
                None
            }
        }
    };
    after.put_back(schema);
    match &scope {
        None => *owners = IndexOwners::new(schema),
        Some(keys) => keys.iter().for_each(|k| owners.refresh(schema, k)),
    }
    Ok(problem.map(|problem| Unrestored { migration: m.name(), down: down.path.clone(), problem }))
}
