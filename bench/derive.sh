#!/usr/bin/env bash
# `#[derive(Model)]` on the 200 tables of the reference workload (1000 migrations) in one crate:
# counts how often the compiler process replays the migrations (the budget is once) and times
# the crate's compilation.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. bench/project.sh
work=$(reference_workload target)
crate=target/bench-derive
rm -rf "$crate" && mkdir -p "$crate/src"
cp -r "$work/sqlite/migrations" "$crate/migrations"
echo 'dialect = "sqlite"' > "$crate/migrations/strata.toml"
cat > "$crate/Cargo.toml" <<TOML
[package]
name = "bench-derive"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
strata = { path = "$root/runtime" }

[workspace]
TOML
cargo run -q --release -p strata-schema --example models -- "$crate/migrations" > "$crate/src/lib.rs"
models=$(grep -c '^#\[derive(Model)\]' "$crate/src/lib.rs")
export CARGO_TARGET_DIR="$root/target/bench-derive-target"
(cd "$crate" && cargo build -q 2>/dev/null || true)   # dependencies, untimed
touch "$crate/src/lib.rs"
start=$(date +%s.%N)
log=$(cd "$crate" && STRATA_TRACE=1 cargo build 2>&1) || { echo "$log"; exit 1; }
end=$(date +%s.%N)
replays=$(grep -c '^strata: replayed' <<<"$log" || true)
echo "$models models over $(ls "$crate/migrations" | grep -c _) migrations: $replays replay(s) in the compiler process; crate compiled in $(echo "$end - $start" | bc) s"
grep '^strata: replayed' <<<"$log"
[ "$replays" = 1 ]
