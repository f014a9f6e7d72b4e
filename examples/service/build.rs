fn main() {
    // Rebuild when a migration is added, not only when one is edited (`strata init` prints this).
    println!("cargo:rerun-if-changed=migrations");
}
