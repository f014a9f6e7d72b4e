//! Turning differences between a model and its migrations into errors at the field.

use proc_macro2::Span;
use strata_schema::cache::Replayed;
use strata_schema::diff::{self, DiffKind, Difference};
use strata_schema::model::Dangling;
use strata_schema::{Dialect, ModelDef, Table};

use crate::resolve::Dir;

pub fn check(model: &ModelDef, table: &Table, replayed: &Replayed, dir: &Dir) -> Vec<syn::Error> {
    let dialect = replayed.set.config.dialect;
    let renames: Vec<(String, String)> = model
        .fields
        .iter()
        .filter_map(|f| f.renamed_from.as_ref().map(|(from, _)| (from.clone(), f.column.clone())))
        .collect();
    let differences = diff::reported(diff::compare(
        dialect,
        &diff::MODEL_VS_MIGRATIONS,
        table,
        model.renamed_from.as_deref(),
        &renames,
        &replayed.schema,
    ));
    let latest = match replayed.set.latest() {
        Some(m) => format!("checked against `{}`, whose latest migration is `{}`", dir.shown, m.name()),
        None => format!("`{}` has no migrations yet", dir.shown),
    };
    // A key to a table or column no migration has: said at `references`, once.
    let dangling = model.dangling_references(&replayed.schema, &Default::default());
    let mut errors: Vec<syn::Error> = dangling
        .iter()
        .map(|x| {
            let r = x.reference;
            let help = if x.table_exists {
                format!(
                    "correct the column, or give `{}` a column `{}` (in its model, then `strata generate -m \"...\"`)",
                    r.table, r.column
                )
            } else {
                format!(
                    "if a model describes `{}`, run `strata generate -m \"...\"` to create it; otherwise correct the name",
                    r.table
                )
            };
            syn::Error::new(r.span, format!("{}\n= note: {latest}\n= help: {help}", x.message))
        })
        .collect();
    errors.extend(differences.iter().filter(|d| !Dangling::explains(&dangling, d)).map(|d| {
        let message = format!("{}\n= note: {latest}\n= help: {}", d.message, help(dialect, d, &table.name));
        match d.kind {
            DiffKind::MissingColumn
            | DiffKind::ExtraUnique
            | DiffKind::ExtraIndex
            | DiffKind::ExtraForeignKey
                if let Some(f) = d
                    .column
                    .as_deref()
                    .or(d.columns.first().map(String::as_str))
                    .and_then(|c| model.field_by_column(c)) =>
            {
                syn::Error::new_spanned(&f.decl, message)
            }
            _ => syn::Error::new(span(model, d), message),
        }
    }));
    errors
}

/// The smallest span that shows the difference: the field, else the declaration of the
/// constraint, else the table name.
fn span(model: &ModelDef, d: &Difference) -> Span {
    let field = |c: &str| model.field_by_column(c);
    match d.kind {
        DiffKind::MissingTable | DiffKind::RenamedTable | DiffKind::ExtraColumn => model.table_span,
        DiffKind::RenamedColumn => d
            .column
            .as_deref()
            .and_then(field)
            .and_then(|f| f.renamed_from.as_ref().map(|r| r.1))
            .unwrap_or(model.table_span),
        DiffKind::Type => {
            let f = d.column.as_deref().and_then(field);
            f.map_or(model.table_span, |f| f.sql_type.as_ref().map_or_else(|| f.ty_span(), |t| t.1))
        }
        DiffKind::Default => {
            let f = d.column.as_deref().and_then(field);
            f.map_or(model.table_span, |f| f.default.as_ref().map_or(f.span, |t| t.1))
        }
        DiffKind::MissingColumn => d.column.as_deref().and_then(field).map_or(model.table_span, |f| f.span),
        DiffKind::Nullable => d.column.as_deref().and_then(field).map_or(model.table_span, |f| f.ty_span()),
        DiffKind::AutoIncrement => {
            let f = d.column.as_deref().and_then(field);
            f.map_or(model.table_span, |f| f.auto_increment.unwrap_or(f.span))
        }
        DiffKind::PrimaryKey => model
            .primary_key
            .as_ref()
            .map(|p| p.span)
            .or_else(|| model.fields.iter().find_map(|f| f.primary_key))
            .unwrap_or(model.table_span),
        DiffKind::MissingUnique | DiffKind::MissingIndex | DiffKind::MissingForeignKey => {
            let declared = model
                .uniques
                .iter()
                .map(|u| (&u.columns, u.span))
                .chain(model.indexes.iter().map(|i| (&i.columns, i.span)))
                .find(|(cols, _)| {
                    cols.len() == d.columns.len()
                        && d.columns.len() > 1
                        && cols.iter().zip(&d.columns).all(|(a, b)| {
                            a.eq_ignore_ascii_case(b)
                                || model
                                    .fields
                                    .iter()
                                    .any(|f| f.ident == a && f.column.eq_ignore_ascii_case(b))
                        })
                })
                .map(|(_, s)| s);
            let on_field =
                (d.columns.len() == 1).then(|| field(&d.columns[0])).flatten().map(|f| match d.kind {
                    DiffKind::MissingUnique => f.unique.unwrap_or(f.span),
                    DiffKind::MissingIndex => f.index.as_ref().map_or(f.span, |i| i.1),
                    _ => f.references.as_ref().map_or(f.span, |r| r.span),
                });
            declared.or(on_field).unwrap_or(model.table_span)
        }
        DiffKind::ExtraUnique | DiffKind::ExtraIndex | DiffKind::ExtraForeignKey => {
            d.columns.first().and_then(|c| field(c)).map_or(model.table_span, |f| f.span)
        }
        DiffKind::MissingCheck => model
            .fields
            .iter()
            .find_map(|f| f.check.as_ref().map(|c| c.1))
            .or_else(|| model.checks.first().map(|c| c.1))
            .unwrap_or(model.table_span),
        // A model is compared table by table: these come only from whole schemas.
        DiffKind::ExtraCheck | DiffKind::ExtraTable | DiffKind::ColumnOrder | DiffKind::UserType => {
            model.table_span
        }
    }
}

fn help(dialect: Dialect, d: &Difference, table: &str) -> String {
    let what = match d.kind {
        DiffKind::MissingTable => format!("create {table}"),
        DiffKind::RenamedTable => format!("rename table to {table}"),
        DiffKind::MissingColumn => {
            format!("add {} to {table}", d.column.as_deref().unwrap_or("column"))
        }
        DiffKind::ExtraColumn => {
            format!("drop {} from {table}", d.columns.first().map_or("column", String::as_str))
        }
        DiffKind::RenamedColumn => format!("rename {} in {table}", d.column.as_deref().unwrap_or("column")),
        DiffKind::Type | DiffKind::Nullable | DiffKind::Default | DiffKind::AutoIncrement => {
            format!("alter {}.{}", table, d.column.as_deref().unwrap_or("column"))
        }
        DiffKind::PrimaryKey => format!("change the primary key of {table}"),
        DiffKind::MissingUnique | DiffKind::MissingIndex => {
            format!("index {} on {table}", d.columns.join(" and "))
        }
        DiffKind::ExtraUnique | DiffKind::ExtraIndex => {
            format!("drop index on {table} {}", d.columns.join(" and "))
        }
        DiffKind::MissingForeignKey | DiffKind::ExtraForeignKey => {
            format!("change foreign key of {table}")
        }
        DiffKind::MissingCheck | DiffKind::ExtraCheck => format!("change checks of {table}"),
        DiffKind::ExtraTable | DiffKind::ColumnOrder | DiffKind::UserType => format!("change {table}"),
    };
    let extra = matches!(
        d.kind,
        DiffKind::ExtraColumn
            | DiffKind::ExtraUnique
            | DiffKind::ExtraIndex
            | DiffKind::ExtraForeignKey
            | DiffKind::ExtraCheck
    );
    let or = if extra { " (or declare it in the model)" } else { "" };
    match &d.fix {
        Some(sql) => format!(
            "run `strata generate -m \"{what}\"` to write the migration{or}:\n  {}",
            sql.replace('\n', "\n  ")
        ),
        None if dialect == Dialect::Sqlite => format!(
            "SQLite cannot change this in place; run `strata generate -m \"{what}\"` to write the table rebuild{or}"
        ),
        None => format!("run `strata generate -m \"{what}\"` to write the migration{or}"),
    }
}
