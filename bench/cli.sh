#!/usr/bin/env bash
# `strata check` and `strata generate` (one model change) on the reference workload: 200
# tables, 1000 migrations, the models written by `strata models`; no database. Budget: 50 ms
# each. Alembic needs 2.5-3.5 s and a database at head for the same work
# (../shared/bench/README.md). Prints the median of 15 runs of each, in a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=target/workload
[ -f "$work/manifest.json" ] || python3 ../shared/bench/gen_schema.py -n 200 -m 1000 --seed 42 -o "$work" >/dev/null
cargo build -q --release -p strata-cli
strata=$root/target/release/strata
for dialect in sqlite postgres mysql; do
    crate=target/bench-cli-$dialect
    rm -rf "$crate" && mkdir -p "$crate/src"
    cp -r "$work/$dialect/migrations" "$crate/migrations"
    echo "dialect = \"$dialect\"" > "$crate/migrations/strata.toml"
    (cd "$crate" && "$strata" models > src/models.rs)
    median() {
        local times=()
        for _ in $(seq 15); do
            local s e
            s=$(date +%s%N)
            "$@" > /dev/null 2>&1 || true
            e=$(date +%s%N)
            times+=($(( (e - s) / 1000 )))
        done
        printf '%s\n' "${times[@]}" | sort -n | sed -n 8p
    }
    check=$(cd "$crate" && median "$strata" check)
    (cd "$crate" && "$strata" check > /dev/null) || { echo "check is not clean on $dialect"; exit 1; }
    # One model change: a nullable column on the first model. `generate` writes the files; they
    # are removed after each run so every run plans the same change.
    sed -i '0,/^pub struct/s//pub struct/; 0,/^}$/s//    pub bench_extra: Option<i64>,\n}/' "$crate/src/models.rs"
    cp "$crate/migrations/strata.sum" "$crate/strata.sum.orig"
    generate_once() { "$strata" generate -m bench && rm -f migrations/*_bench.up.sql migrations/*_bench.down.sql && cp strata.sum.orig migrations/strata.sum; }
    generate=$(cd "$crate" && median bash -c "$(declare -f generate_once); strata=$strata; generate_once")
    (cd "$crate" && "$strata" generate -m bench | grep -q "+ column") || { echo "generate wrote no change on $dialect"; exit 1; }
    printf '%-8s check %6.1f ms (%.2fx of 50 ms)   generate %6.1f ms (%.2fx of 50 ms)\n' \
        "$dialect" "$(echo "$check / 1000" | bc -l)" "$(echo "$check / 50000" | bc -l)" \
        "$(echo "$generate / 1000" | bc -l)" "$(echo "$generate / 50000" | bc -l)"
done
