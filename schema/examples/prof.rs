use std::time::Instant;
fn main() {
    let dir = std::path::Path::new("target/workload/sqlite/migrations");
    let d = strata_schema::Dialect::Sqlite;
    for _ in 0..3 {
        let t = Instant::now();
        let set = strata_schema::MigrationSet::load(dir, Some(d)).unwrap();
        let t1 = t.elapsed();
        let t = Instant::now();
        let _ = strata_schema::replay(&set).unwrap();
        let t2 = t.elapsed();
        println!("load {:?} replay {:?}", t1, t2);
    }
}
