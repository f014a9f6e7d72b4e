//! Where a database stands against the migrations a binary carries.

use std::fmt;
use std::time::Duration;

use super::Migration;
use super::backend::Applied;

/// The migrations of the binary and the history of the database, side by side.
#[derive(Debug, Clone)]
pub struct Status {
    pub entries: Vec<Entry>,
    /// Migrations the database has applied that the binary does not have.
    pub unknown: Vec<Applied>,
    /// Of those, the ones whose down SQL the release that applied them stored: applied by a
    /// newer release, which `down` can revert with this binary.
    pub stored: Vec<i64>,
}

/// One migration of the binary, and its record in the database if it has one.
#[derive(Debug, Clone)]
pub struct Entry {
    pub migration: &'static Migration,
    pub applied: Option<AppliedInfo>,
    /// Of the migrations it squashes, how many the history records (beside its own version):
    /// all of them on a database that ran them before the squash; some, on one that stopped in
    /// their midst, which the squash cannot run on.
    pub squashed: usize,
}

impl Entry {
    /// How many migrations it squashes.
    pub fn squashes(&self) -> usize {
        let mut v: Vec<i64> = self.migration.replaces.iter().map(|r| r.version).collect();
        v.dedup();
        v.len()
    }

    /// The database applied some of the migrations it squashes, but not all (nor it).
    pub fn is_part_squashed(&self) -> bool {
        self.applied.is_none() && self.squashed > 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedInfo {
    pub installed_on: String,
    pub took: Duration,
    /// `false` if the file changed after it was applied.
    pub checksum_matches: bool,
    /// The history holds the checksum of the file's exact bytes, which sqlx's migrator checks
    /// (`false` after a change of line endings, which strata accepts).
    pub exact: bool,
    /// `false` if it stopped partway (MySQL, or `-- no-transaction` on PostgreSQL).
    pub success: bool,
    /// How far it got, when it stopped partway and strata recorded its statements as they ran.
    pub partial: Option<super::Partial>,
    /// Applied out of order: after this migration, which comes after it (`up --out-of-order`),
    /// as the times the history records show.
    pub out_of_order: Option<String>,
}

impl Status {
    pub fn pending(&self) -> impl Iterator<Item = &'static Migration> + '_ {
        self.entries.iter().filter(|e| e.applied.is_none() && !e.is_part_squashed()).map(|e| e.migration)
    }

    /// The newest applied version (in the history's order), `None` at base. Versions the
    /// binary does not know come after its own.
    pub fn current(&self) -> Option<i64> {
        let known = self.entries.iter().rev().find(|e| e.applied.is_some()).map(|e| e.migration.version);
        self.unknown.iter().map(|a| a.version).max().or(known)
    }

    /// Migrations of the binary are not applied yet.
    pub fn is_behind(&self) -> bool {
        self.pending().next().is_some()
    }

    /// The database has applied migrations that the binary does not have.
    pub fn is_ahead(&self) -> bool {
        !self.unknown.is_empty()
    }

    /// Applied migrations whose files changed, or that stopped partway.
    pub fn is_inconsistent(&self) -> bool {
        self.entries.iter().filter_map(|e| e.applied.as_ref()).any(|a| !a.checksum_matches || !a.success)
            || self.entries.iter().any(Entry::is_part_squashed)
    }

    pub fn is_up_to_date(&self) -> bool {
        !self.is_behind() && !self.is_ahead() && !self.is_inconsistent()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            match &e.applied {
                None if e.is_part_squashed() => writeln!(
                    f,
                    "PART      {}  (the database applied {} of the {} migrations it squashes: bring it to the last with a release from before the squash)",
                    e.migration.name(),
                    e.squashed,
                    e.squashes()
                )?,
                None => writeln!(f, "pending   {}", e.migration.name())?,
                Some(a) => {
                    let state = match (a.success, a.checksum_matches) {
                        (false, _) => "HALF    ",
                        (true, false) => "CHANGED ",
                        (true, true) => "applied ",
                    };
                    match &a.partial {
                        Some(p) => writeln!(f, "{state}  {}  ({})", e.migration.name(), p.describe())?,
                        None => {
                            let mut order = a
                                .out_of_order
                                .as_ref()
                                .map_or(String::new(), |n| format!(", out of order: after {n}"));
                            if e.squashed > 0 {
                                order.push_str(&format!(", as the {} migrations it squashes", e.squashes()));
                            }
                            writeln!(
                                f,
                                "{state}  {}  ({}, {:.1?}{order})",
                                e.migration.name(),
                                a.installed_on,
                                a.took
                            )?
                        }
                    }
                }
            }
        }
        for a in &self.unknown {
            if self.stored.contains(&a.version) {
                writeln!(
                    f,
                    "NEWER     {}_{}  ({}: applied by a newer release; its down SQL is stored, so `down` reverts it)",
                    a.version,
                    a.description.replace(' ', "_"),
                    a.installed_on
                )?;
                continue;
            }
            writeln!(
                f,
                "UNKNOWN   {}_{}  ({}: applied, but not in this binary)",
                a.version,
                a.description.replace(' ', "_"),
                a.installed_on
            )?;
        }
        let summary = if self.is_up_to_date() {
            "up to date".to_owned()
        } else {
            let mut parts = Vec::new();
            let pending = self.pending().count();
            if pending > 0 {
                parts.push(format!("{pending} pending"));
            }
            if self.is_ahead() {
                parts.push(format!("{} unknown to this binary (the database is ahead)", self.unknown.len()));
            }
            if self.is_inconsistent() {
                parts.push("changed or failed migrations: see above".to_owned());
            }
            parts.join(", ")
        };
        write!(f, "{summary}")
    }
}
