//! strata's workspace-level tests: one binary, one module per theme.

mod adopt;
mod crash;
mod data_steps;
mod db;
mod dialects;
mod fixtures;
mod fleet;
mod lint;
mod lock_timeouts;
mod migrate;
mod resume;
mod round_trip;
mod squash;
mod stored_downs;
mod ui;
