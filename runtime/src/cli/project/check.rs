//! `strata check`: everything the build would refuse, without building and without a database.

use serde_json::json;
use strata_schema::plan;

use super::{Project, team};
use crate::cli::Failure;

/// One problem `check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `multiple_heads`, `migrations`, `integrity`, `replay`, `down`, `model`, `drift`, `lint`
    /// (the lint could not run: its settings in strata.toml).
    pub kind: &'static str,
    pub failure: Failure,
}

/// What `check` found: nothing when the models and the migrations agree.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub migrations: usize,
    pub latest: Option<String>,
    /// The lint of the migrations that are new, when some are.
    pub lint: Option<super::lint::Linted>,
    /// What the user should know that is not a problem (why nothing was linted).
    pub notes: Vec<String>,
}

impl Report {
    fn push(&mut self, kind: &'static str, failure: Failure) {
        self.findings.push(Finding { kind, failure });
    }

    pub fn is_clean(&self) -> bool {
        self.findings.is_empty() && self.lint.as_ref().is_none_or(|l| l.errors() == 0)
    }

    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "version": 1,
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
            "lint": self.lint.as_ref().map(super::lint::Linted::to_json),
            "notes": self.notes,
        })
    }

    /// Human output: the findings in rustc's shape, then a summary line.
    pub fn render(&self, shown: &str) -> String {
        let mut lint = self.lint.as_ref().map_or(String::new(), super::lint::Linted::render);
        for n in &self.notes {
            lint.push_str(&format!("note: {n}\n"));
        }
        if self.is_clean() {
            return format!(
                "ok: the models match the {} migration(s) in `{shown}`{}\n{lint}",
                self.migrations,
                self.latest.as_ref().map_or(String::new(), |l| format!(" (latest: {l})"))
            );
        }
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&f.failure.to_string());
            out.push('\n');
        }
        out.push_str(&lint);
        let problems = self.findings.len() + self.lint.as_ref().map_or(0, super::lint::Linted::errors);
        out.push_str(&format!(
            "error: `strata check` found {problems} problem{} in `{shown}`\n",
            if problems == 1 { "" } else { "s" }
        ));
        out
    }
}

/// Checks the project as the build would (the integrity file, the replay with every down
/// proven, the models, and the models against the replay), then lints the migrations that are
/// new: after `since`, else the ones the main branch's `strata.sum` does not list.
pub fn check(project: &Project, since: Option<&str>) -> Report {
    let mut report = check_models(project);
    if project.set().is_ok_and(|s| s.config.versions == strata_schema::Versions::Names) {
        for orphan in strata_schema::migrations::orphan_downs(&project.dir) {
            report.notes.push(format!(
                "`{}` is a down file without an up of the same name, so it never runs (a misspelt name?)",
                super::shown(&orphan)
            ));
        }
    }
    let replayed =
        !report.findings.iter().any(|f| matches!(f.kind, "multiple_heads" | "migrations" | "replay"));
    if replayed {
        match super::lint::lint_new(project, since) {
            Ok((lint, note)) => {
                report.lint = lint;
                report.notes.extend(note);
            }
            Err(f) => report.push("lint", f),
        }
    }
    report
}

fn check_models(project: &Project) -> Report {
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
    // The models as the last run read them, when no source changed since: when they and the
    // migrations agree, nothing needs parsing.
    let store = project.store();
    let key = store.as_ref().and_then(|_| project.sources_key());
    if let (Some(store), Some(key)) = (&store, &key)
        && let Some((targets, enums)) = store.get::<(Vec<plan::Target>, plan::Enums)>("models", key)
        && let Some(clean) = clean_as_stored(project, &targets, &enums)
    {
        return clean;
    }
    // The models are read while the migrations are read and replayed, every down proven.
    let (models, replayed) = project.models_beside(|| project.replayed_proving());
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
    let schema = match replayed {
        Ok((s, unrestored)) => {
            for u in &unrestored {
                report.push("down", unrestored_down(u));
            }
            s
        }
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
    if let (Some(store), Some(key)) = (&store, &key) {
        store.put("models", key, &(&wanted.targets, &wanted.enums));
    }
    // Nothing on either side is not a match: the models of the crate are someone else's.
    if wanted.targets.is_empty() && schema.tables.is_empty() {
        report.push("model", super::no_models(project));
        return report;
    }
    let dialect = project.dialect();
    let tables = strata_schema::model::ModelTables::new(wanted.targets.iter().map(|t| &t.table));
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
        let differences = t.drift(dialect, &schema);
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

/// The clean report, when the models as stored agree with the migrations in every way `check`
/// looks at; `None` as soon as anything might be found (the full check then says what, at its
/// field). Its test of references is stricter than the full check's: a key to a table or
/// column that neither the migrations nor a model's table has.
fn clean_as_stored(project: &Project, targets: &[plan::Target], enums: &plan::Enums) -> Option<Report> {
    let set = project.set().ok()?;
    if targets.is_empty()
        || !strata_schema::integrity::check(set).is_empty()
        || !strata_schema::stored::proven(set, &project.store()?)
    {
        return None;
    }
    let schema = project.replayed().ok()?;
    let dialect = project.dialect();
    let table = |name: &str| {
        schema
            .table(name)
            .or_else(|| targets.iter().map(|t| &t.table).find(|t| t.name.eq_ignore_ascii_case(name)))
    };
    let references_resolve = targets
        .iter()
        .flat_map(|t| &t.table.foreign_keys)
        .all(|f| table(&f.ref_table).is_some_and(|t| f.ref_columns.iter().all(|c| t.column(c).is_some())));
    let clean = references_resolve
        && plan::enum_differences(&schema, enums).is_empty()
        && targets.iter().all(|t| t.drift(dialect, &schema).is_empty())
        && plan::unmodeled(&schema, targets, &project.config().unmanaged).is_empty();
    clean.then(|| Report {
        findings: Vec::new(),
        migrations: set.migrations.len(),
        latest: set.latest().map(|m| m.name()),
        lint: None,
        notes: Vec::new(),
    })
}

/// A down that does not give back the schema before its up, said at its file.
fn unrestored_down(u: &strata_schema::downs::Unrestored) -> Failure {
    use strata_schema::downs::{IRREVERSIBLE_HINT, Problem};
    let mark = format!("or, {IRREVERSIBLE_HINT} (docs/migrations.md#downs)");
    match &u.problem {
        Problem::Replay(e) => {
            let mut f = super::replay_failure(e);
            f.message = u.headline();
            f.helps = vec![format!("correct the down file, {mark}")];
            f
        }
        Problem::Differs { differences, fix } => {
            let mut f = Failure::new(u.headline()).at(super::shown(&u.down));
            f.notes.extend(differences.iter().cloned());
            match fix {
                Some(sql) => f.help(format!("add to the end of the down file:\n{}\n{mark}", sql.trim_end())),
                None => f.help(format!("make the down undo each of these, {mark}")),
            }
        }
    }
}
