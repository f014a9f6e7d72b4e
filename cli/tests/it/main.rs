//! The `strata` binary driven on temporary projects, and `generate`'s SQL on real databases.

mod commands;
#[path = "../../../tests/it/db.rs"]
#[allow(dead_code)]
mod db;
mod e2e;
mod generate;
mod lint;
mod project;
mod readme;
