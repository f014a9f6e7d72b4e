//! Which table owns an index name, without scanning every table at every `CREATE INDEX`.
//!
//! [`Schema::table_of_index`] walks every index of every table; called for each `CREATE INDEX`
//! and table-less `DROP INDEX`, it made the replay quadratic in the size of the history. The
//! replay keeps this map beside the schema instead: the index names of each table (and
//! materialized view), refreshed after each statement for the tables that statement names.
//! A statement whose tables are not known from its text marks the map stale, and the next
//! lookup rebuilds it. While a statement runs, a hit is checked against the schema (the
//! statement may have dropped it) and the statement's own tables are searched as they are now
//! (it may have added one), so a lookup answers exactly as the scan would; debug builds check
//! that on every lookup.
//!
//! The same map keeps, for each table, the tables whose foreign keys may point at it: dropping
//! or renaming a column asks, and a scan of every table at each such statement was the other
//! quadratic term of a long history. Foreign keys appear only on the tables a statement names,
//! and move with a renamed table; an entry may outlive its key (each is checked against the
//! schema when read), never the other way round.

use std::collections::{BTreeSet, HashMap};

use sqlparser::ast::{AlterTableOperation, ObjectType, RenameTableNameKind, Statement};

use super::apply::object_name;
use crate::schema::Table;
use crate::{Dialect, Schema};

/// The owner of an index: a table (ordered before views, as the scan finds them) or a view,
/// by lowercased name.
type Owner = (Kind, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Table,
    View,
}

#[derive(Debug, Default)]
pub(crate) struct IndexOwners {
    /// Lowercased index name -> its owners (MySQL names indexes per table, so there may be
    /// several).
    by_name: HashMap<String, BTreeSet<Owner>>,
    /// Owner -> the lowercased names entered for it, to take them out when it changes.
    by_owner: HashMap<Owner, Vec<String>>,
    /// Lowercased table name -> the tables (lowercased) whose foreign keys may point at it.
    referrers: HashMap<String, BTreeSet<String>>,
    /// The tables of the statement being applied, searched as they are now.
    current: Vec<String>,
    /// `(from, to)` of each table the statement being applied renames.
    renames: Vec<(String, String)>,
    stale: bool,
}

impl IndexOwners {
    /// The map for a schema the replay starts from (empty, or given).
    pub fn new(schema: &Schema) -> Self {
        let mut owners = IndexOwners::default();
        owners.rebuild(schema);
        owners
    }

    /// Before `stmt` is applied: which tables it may change the index names of.
    pub fn before(&mut self, dialect: Dialect, schema: &Schema, stmt: &Statement) {
        if self.stale {
            self.rebuild(schema);
        }
        self.current = match self.tables_of(dialect, schema, stmt) {
            Some(t) => t,
            None => {
                self.stale = true;
                Vec::new()
            }
        };
        self.renames = renames(dialect, stmt);
    }

    /// After the statement: its tables' names entered again.
    pub fn after(&mut self, schema: &Schema) {
        if self.stale {
            return;
        }
        for key in std::mem::take(&mut self.current) {
            self.refresh(schema, &key);
        }
        // A renamed table's referrers now point at its new name.
        for (from, to) in std::mem::take(&mut self.renames) {
            if let Some(from) = self.referrers.get(&from).cloned() {
                self.referrers.entry(to).or_default().extend(from);
            }
        }
    }

    /// The keys of the tables whose foreign keys point at `table` now, in the schema's order,
    /// as a scan of every table finds them.
    pub fn referrers(&self, schema: &Schema, table: &str) -> Vec<String> {
        let points_at = |t: &Table| t.foreign_keys.iter().any(|f| f.ref_table.eq_ignore_ascii_case(table));
        let scan = || schema.tables.iter().filter(|(_, t)| points_at(t)).map(|(k, _)| k.clone()).collect();
        if self.stale {
            return scan();
        }
        let mut candidates: BTreeSet<&str> = self.current.iter().map(String::as_str).collect();
        if let Some(r) = self.referrers.get(&table.to_ascii_lowercase()) {
            candidates.extend(r.iter().map(String::as_str));
        }
        let found: Vec<String> = candidates
            .into_iter()
            .filter(|k| schema.tables.get(*k).is_some_and(&points_at))
            .map(str::to_owned)
            .collect();
        debug_assert_eq!(found, scan(), "referrers disagree for `{table}`");
        found
    }

    /// The name of the table (or materialized view) that owns index `name`, as
    /// [`Schema::table_of_index`] finds it.
    pub fn owner<'s>(&self, schema: &'s Schema, name: &str) -> Option<&'s str> {
        let found = if self.stale { schema.table_of_index(name) } else { self.lookup(schema, name) };
        debug_assert_eq!(found, schema.table_of_index(name), "index owners disagree for `{name}`");
        found
    }

    fn lookup<'s>(&self, schema: &'s Schema, name: &str) -> Option<&'s str> {
        let key = name.to_ascii_lowercase();
        let mut candidates: BTreeSet<(Kind, &str)> = BTreeSet::new();
        if let Some(owners) = self.by_name.get(&key) {
            candidates.extend(owners.iter().map(|(k, o)| (*k, o.as_str())));
        }
        for t in &self.current {
            candidates.insert((Kind::Table, t));
            candidates.insert((Kind::View, t));
        }
        candidates.into_iter().find_map(|(kind, owner)| match kind {
            Kind::Table => schema
                .tables
                .get(owner)
                .filter(|t| table_names(t).any(|n| n.eq_ignore_ascii_case(name)))
                .map(|t| t.name.as_str()),
            Kind::View => schema
                .views
                .get(owner)
                .filter(|v| v.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(name)))
                .map(|v| v.name.as_str()),
        })
    }

    fn rebuild(&mut self, schema: &Schema) {
        self.by_name.clear();
        self.by_owner.clear();
        self.referrers.clear();
        for key in schema.tables.keys().chain(schema.views.keys()) {
            self.refresh(schema, key);
        }
        self.stale = false;
    }

    /// Enters the names of the table or view `key` as they are now, in place of those entered
    /// for it before.
    pub(crate) fn refresh(&mut self, schema: &Schema, key: &str) {
        let key = key.to_ascii_lowercase();
        if let Some(t) = schema.tables.get(&key) {
            for f in &t.foreign_keys {
                self.referrers.entry(f.ref_table.to_ascii_lowercase()).or_default().insert(key.clone());
            }
        }
        for kind in [Kind::Table, Kind::View] {
            let owner = (kind, key.clone());
            for name in self.by_owner.remove(&owner).unwrap_or_default() {
                if let Some(set) = self.by_name.get_mut(&name) {
                    set.remove(&owner);
                    if set.is_empty() {
                        self.by_name.remove(&name);
                    }
                }
            }
            let names: Vec<String> = match kind {
                Kind::Table => schema
                    .tables
                    .get(&key)
                    .map_or_else(Vec::new, |t| table_names(t).map(str::to_ascii_lowercase).collect()),
                Kind::View => schema.views.get(&key).map_or_else(Vec::new, |v| {
                    v.indexes.iter().map(|i| i.name.to_ascii_lowercase()).collect()
                }),
            };
            for n in &names {
                self.by_name.entry(n.clone()).or_default().insert(owner.clone());
            }
            if !names.is_empty() {
                self.by_owner.insert(owner, names);
            }
        }
    }

    /// The tables (lowercased) whose index names `stmt` may change; `None` when its text does
    /// not say.
    pub(crate) fn tables_of(
        &self,
        dialect: Dialect,
        schema: &Schema,
        stmt: &Statement,
    ) -> Option<Vec<String>> {
        let name = |n: &sqlparser::ast::ObjectName| object_name(dialect, n).to_ascii_lowercase();
        Some(match stmt {
            Statement::CreateTable(ct) => vec![name(&ct.name)],
            Statement::CreateView(cv) => vec![name(&cv.name)],
            Statement::CreateIndex(ci) => vec![name(&ci.table_name)],
            Statement::AlterTable(at) => {
                let mut out = vec![name(&at.name)];
                for op in &at.operations {
                    if let AlterTableOperation::RenameTable {
                        table_name: RenameTableNameKind::As(n) | RenameTableNameKind::To(n),
                    } = op
                    {
                        out.push(name(n));
                    }
                }
                out
            }
            Statement::RenameTable(renames) => {
                renames.iter().flat_map(|r| [name(&r.old_name), name(&r.new_name)]).collect()
            }
            Statement::Drop { object_type: ObjectType::Index, names, table, .. } => match table {
                Some(t) => vec![name(t)],
                None => names
                    .iter()
                    .filter_map(|n| self.lookup(schema, &object_name(dialect, n)))
                    .map(str::to_ascii_lowercase)
                    .collect(),
            },
            Statement::Drop {
                object_type: ObjectType::Table | ObjectType::View | ObjectType::MaterializedView,
                names,
                ..
            } => names.iter().map(name).collect(),
            Statement::Drop { .. } | Statement::CreateType { .. } | Statement::AlterType(_) => Vec::new(),
            _ => return None,
        })
    }
}

/// `(from, to)`, lowercased, of each table `stmt` renames.
pub(crate) fn renames(dialect: Dialect, stmt: &Statement) -> Vec<(String, String)> {
    let name = |n: &sqlparser::ast::ObjectName| object_name(dialect, n).to_ascii_lowercase();
    match stmt {
        Statement::AlterTable(at) => at
            .operations
            .iter()
            .filter_map(|op| match op {
                AlterTableOperation::RenameTable {
                    table_name: RenameTableNameKind::As(n) | RenameTableNameKind::To(n),
                } => Some((name(&at.name), name(n))),
                _ => None,
            })
            .collect(),
        Statement::RenameTable(renames) => {
            renames.iter().map(|r| (name(&r.old_name), name(&r.new_name))).collect()
        }
        _ => Vec::new(),
    }
}

/// The index and named unique constraint names of a table.
fn table_names(t: &Table) -> impl Iterator<Item = &str> {
    t.indexes.iter().map(|i| i.name.as_str()).chain(t.uniques.iter().filter_map(|u| u.name.as_deref()))
}
