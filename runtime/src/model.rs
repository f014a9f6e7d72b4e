//! What `#[derive(Model)]` gives a struct: its table, as constant data.

/// A struct that describes a table. Implemented by `#[derive(Model)]`.
///
/// # Examples
///
/// ```
/// # // The derive checks models against a migrations directory; this one has none to check.
/// use strata::{Model, TableDef};
///
/// fn describe<M: Model>() -> String {
///     let t: &TableDef = M::TABLE;
///     format!("{} ({} columns)", t.name, t.columns.len())
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a strata model",
    label = "add `#[derive(strata::Model)]` to `{Self}`"
)]
pub trait Model {
    /// The table this struct describes, with the types of the dialect in `strata.toml`.
    const TABLE: &'static TableDef;

    /// The table in the types of each dialect whose migrations describe it, when `strata.toml`
    /// names other directories (`also`); empty otherwise.
    const TABLES: &'static [(strata_schema::Dialect, &'static TableDef)] = &[];

    /// The table with the types of `dialect`: from `TABLES` when it has that dialect, else
    /// `TABLE`.
    fn table_for(dialect: strata_schema::Dialect) -> &'static TableDef {
        Self::TABLES.iter().find(|(d, _)| *d == dialect).map_or(Self::TABLE, |(_, t)| *t)
    }
}

/// A Rust enum whose variants are the values of a database enum: a PostgreSQL enum type, a
/// MySQL `ENUM(...)` column, a SQLite text column with a `CHECK (... IN (...))`. Implemented
/// by `#[derive(DbEnum)]`; a model field holds one with `#[strata(db_enum)]`, and the model's
/// derive has rustc check that its values are the ones the migrations give the column.
///
/// # Examples
///
/// ```
/// use strata::DbEnum;
///
/// #[derive(DbEnum)]
/// #[strata(rename_all = "snake_case")]
/// enum PostStatus {
///     Draft,
///     InReview,
///     #[strata(rename = "live")]
///     Published,
/// }
///
/// assert_eq!(PostStatus::NAME, "post_status");
/// assert_eq!(PostStatus::VALUES, ["draft", "in_review", "live"]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a database enum",
    label = "add `#[derive(strata::DbEnum)]` to `{Self}`",
    note = "a field with `#[strata(db_enum)]` holds an enum whose variants are the values of a database enum"
)]
pub trait DbEnum {
    /// The type's name in the database (PostgreSQL's `CREATE TYPE`).
    const NAME: &'static str;
    /// The values, in the order of the variants.
    const VALUES: &'static [&'static str];
}

/// A table as a model describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    pub name: &'static str,
    /// The Rust struct that describes it.
    pub model: &'static str,
    pub columns: &'static [ColumnDef],
    pub primary_key: &'static [&'static str],
    /// Each unique constraint's columns.
    pub uniques: &'static [&'static [&'static str]],
    pub indexes: &'static [IndexDef],
    pub foreign_keys: &'static [ForeignKeyDef],
    pub checks: &'static [&'static str],
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The table as the core's schema type, for comparing with a database.
    pub fn to_table(&self) -> strata_schema::Table {
        use strata_schema::{Action, Check, Column, ForeignKey, Index, PrimaryKey, Table, Unique};
        let strings = |cols: &[&str]| cols.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        let mut t = Table::new(self.name);
        t.columns = self
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.to_owned(),
                ty: c.sql_type.to_owned(),
                nullable: c.nullable,
                default: c.default.map(str::to_owned),
                auto_increment: c.auto_increment,
            })
            .collect();
        if !self.primary_key.is_empty() {
            t.primary_key = Some(PrimaryKey { name: None, columns: strings(self.primary_key) });
        }
        t.uniques = self.uniques.iter().map(|u| Unique { name: None, columns: strings(u) }).collect();
        t.indexes = self
            .indexes
            .iter()
            .map(|i| Index {
                name: i.name.to_owned(),
                columns: strings(i.columns),
                unique: false,
                expression: false,
                predicate: None,
                generated: false,
            })
            .collect();
        t.foreign_keys = self
            .foreign_keys
            .iter()
            .map(|f| ForeignKey {
                name: None,
                columns: strings(f.columns),
                ref_table: f.ref_table.to_owned(),
                ref_columns: strings(f.ref_columns),
                on_delete: Action::parse(f.on_delete).unwrap_or_default(),
                on_update: Action::parse(f.on_update).unwrap_or_default(),
                column: None,
            })
            .collect();
        t.checks =
            self.checks.iter().map(|c| Check { name: None, expr: (*c).to_owned(), column: None }).collect();
        t
    }
}

/// A column as a model describes it; `sql_type` is the dialect's canonical spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: &'static str,
    /// The Rust field it comes from.
    pub field: &'static str,
    pub sql_type: &'static str,
    pub nullable: bool,
    pub default: Option<&'static str>,
    pub auto_increment: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDef {
    /// Empty when the model does not name the index.
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignKeyDef {
    pub columns: &'static [&'static str],
    pub ref_table: &'static str,
    pub ref_columns: &'static [&'static str],
    pub on_delete: &'static str,
    pub on_update: &'static str,
}

/// Every model linked into this binary, through `inventory`.
pub fn models() -> impl Iterator<Item = &'static TableDef> {
    inventory::iter::<crate::__private::Registration>.into_iter().map(|r| r.0)
}

/// Every model linked into this binary, with the types of `dialect` where its migrations
/// directories include one of that dialect (`also` in `strata.toml`): what
/// [`Migrator::verify`](crate::Migrator::verify) compares a database of that dialect with.
pub fn models_for(dialect: strata_schema::Dialect) -> impl Iterator<Item = &'static TableDef> {
    inventory::iter::<crate::__private::Registration>
        .into_iter()
        .map(move |r| r.1.iter().find(|(d, _)| *d == dialect).map_or(r.0, |(_, t)| *t))
}
