//! Compile-time diagnostics, through trybuild: `tests/ui/<theme>/<mistake>.rs` + `.stderr`.
//!
//! One `#[test]`, so trybuild builds its project once. `TRYBUILD=overwrite` rewrites the
//! `.stderr` files; review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/attr/*.rs");
    t.compile_fail("ui/drift/*.rs");
    t.compile_fail("ui/drift_pg/*.rs");
    t.compile_fail("ui/drift_mysql/*.rs");
    t.compile_fail("ui/replay/*.rs");
    t.compile_fail("ui/embed/*.rs");
    t.compile_fail("ui/enums/*.rs");
}
