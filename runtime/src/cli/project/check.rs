//! `strata check`: everything the build would refuse, without building and without a database.

use serde_json::json;
use strata_schema::{diff, plan};

use super::{Project, team};
use crate::cli::Failure;

/// One problem `check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `multiple_heads`, `migrations`, `integrity`, `replay`, `model`, `drift`.
    pub kind: &'static str,
    pub failure: Failure,
}

/// What `check` found: nothing when the models and the migrations agree.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub migrations: usize,
    pub latest: Option<String>,
}

impl Report {
    fn push(&mut self, kind: &'static str, failure: Failure) {
        self.findings.push(Finding { kind, failure });
    }

    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "ok": self.is_clean(),
            "migrations": self.migrations,
            "latest": self.latest,
            "problems": self.findings.iter().map(|f| json!({
                "kind": f.kind,
                "message": f.failure.message,
                "location": f.failure.location,
                "notes": f.failure.notes,
                "help": f.failure.helps,
            })).collect::<Vec<_>>(),
        })
    }

    /// Human output: the findings in rustc's shape, then a summary line.
    pub fn render(&self, shown: &str) -> String {
        if self.is_clean() {
            return format!(
                "ok: the models match the {} migration(s) in `{shown}`{}\n",
                self.migrations,
                self.latest.as_ref().map_or(String::new(), |l| format!(" (latest: {l})"))
            );
        }
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&f.failure.to_string());
            out.push('\n');
        }
        out.push_str(&format!(
            "error: `strata check` found {} problem{}\n",
            self.findings.len(),
            if self.findings.len() == 1 { "" } else { "s" }
        ));
        out
    }
}

/// Checks the project as the build would: the integrity file, the replay, the models, and
/// the models against the replay.
pub fn check(project: &Project) -> Report {
    let mut report = Report::default();
    let count = |report: &mut Report, set: &strata_schema::MigrationSet| {
        report.migrations = set.migrations.len();
        report.latest = set.latest().map(|m| m.name());
    };
    if let Some(h) = team::heads(&project.dir) {
        if let Ok(set) = project.set() {
            count(&mut report, set);
        }
        report.push("multiple_heads", team::describe(project, &h));
        return report;
    }
    // The models are read while the migrations are read and replayed.
    let (models, schema) = project.models_beside_replay(false);
    let set = match project.set() {
        Ok(set) => set,
        Err(f) => {
            report.push("migrations", f);
            return report;
        }
    };
    for p in strata_schema::integrity::check(set) {
        report.push(
            "integrity",
            Failure::new(p)
                .at(format!("{}/{}", project.shown, strata_schema::integrity::INTEGRITY_FILE))
                .help("`strata generate` and `strata renumber` keep it current"),
        );
    }
    count(&mut report, set);
    let schema = match schema {
        Ok(s) => s,
        Err(f) => {
            report.push("replay", f);
            return report;
        }
    };
    let models = match models {
        Ok(m) => m,
        Err(f) => {
            report.push("model", f);
            return report;
        }
    };
    let (sources, wanted) = models;
    let dialect = project.dialect();
    let tables: Vec<&strata_schema::Table> = wanted.targets.iter().map(|t| &t.table).collect();
    for (name, message) in plan::enum_differences(&schema, &wanted.enums) {
        let at = sources.enums.iter().find(|e| e.def.name.eq_ignore_ascii_case(&name));
        let f = match at {
            Some(e) => super::located(&e.file, message, e.def.ident.span()),
            None => Failure::new(message).at(project.shown.clone()),
        };
        report.push("drift", f.help("`strata generate -m \"...\"` writes the migration"));
    }
    for (m, t) in sources.models.iter().zip(&wanted.targets) {
        // A key to a table or column that exists nowhere: said at `references`, in place of
        // the foreign key the migrations lack.
        let dangling = m.def.dangling_references(&schema, &tables);
        for x in &dangling {
            report.push(
                "model",
                super::located(&m.file, x.message.clone(), x.reference.span)
                    .help("correct the name in `references`"),
            );
        }
        let differences = diff::reported(diff::compare(
            dialect,
            &diff::MODEL_VS_MIGRATIONS,
            &t.table,
            t.renamed_from.as_deref(),
            &t.column_renames,
            &schema,
        ));
        for d in differences.into_iter().filter(|d| !strata_schema::model::Dangling::explains(&dangling, d)) {
            // At the field the difference is about, else at the struct's name.
            let span = d
                .column
                .as_deref()
                .or(d.columns.first().map(String::as_str))
                .and_then(|c| m.def.field_by_column(c))
                .map_or(m.def.ident.span(), |f| f.span);
            let mut f = super::located(&m.file, d.message, span)
                .help("`strata generate -m \"...\"` writes the migration");
            if let Some(fix) = d.fix {
                f = f.note(format!("the SQL it needs: {fix}"));
            }
            report.push("drift", f);
        }
    }
    for name in plan::unmodeled(&schema, &wanted.targets, &project.config().unmanaged) {
        report.push(
            "drift",
            Failure::new(format!("table `{name}` is created by the migrations, but no model describes it"))
                .at(project.shown.clone())
                .help(format!(
                    "add a `#[derive(Model)]` struct with `#[strata(table = \"{name}\")]`, `strata generate` a migration that drops it, or list it under `unmanaged` in strata.toml"
                )),
        );
    }
    report
}
