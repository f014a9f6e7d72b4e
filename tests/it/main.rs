//! strata's workspace-level tests: one binary, one module per theme.

mod db;
mod fixtures;
mod migrate;
mod round_trip;
mod ui;
