//! For the application's `build.rs`.

/// Tells cargo to rebuild when a file is added to or removed from `migrations/` (edits to
/// existing files are tracked by the macros already). The one line an application's
/// `build.rs` needs:
///
/// ```no_run
/// // build.rs, in `fn main()`:
/// strata::build::watch_migrations("migrations");
/// ```
pub fn watch_migrations(dir: &str) {
    println!("cargo:rerun-if-changed={dir}");
}
