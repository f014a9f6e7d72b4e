//! The pure core of strata: schema types, type mapping per dialect, model definitions from syn
//! input, migration discovery and checksums, DDL replay, and the comparison of models with the
//! replayed schema. No proc-macro, no async, no database.

pub mod cache;
mod config;
mod dialect;
pub mod diff;
pub mod downs;
pub mod expr;
#[doc(hidden)]
pub mod fuzzing;
pub mod integrity;
pub mod lint;
pub mod migrations;
pub mod model;
pub mod models_src;
mod par;
pub mod plan;
pub mod render;
pub mod replay;
mod schema;
pub mod squash;
pub mod stored;
pub mod timeouts;
pub mod types;

pub use config::{CONFIG_FILE, Config, Effect, LintConfig, Versions, is_unmanaged};
pub use dialect::Dialect;
pub use migrations::{DiscoveryError, Migration, MigrationSet};
pub use model::{EnumDef, EnumType, ModelDef, ModelError};
pub use replay::{ReplayError, replay};
pub use schema::{Action, Check, Column, ForeignKey, Index, PrimaryKey, Schema, Table, Unique, View};
pub use timeouts::Timeouts;
