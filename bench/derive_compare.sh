#!/usr/bin/env bash
# `#[derive(Model)]` of this checkout against the one at <rev> (default: HEAD~1): the crate of
# bench/derive.sh (the workload's 200 models over 1000 SQLite migrations) built against each,
# after touching its one source file, alternating (A B B A ...) since the machine is shared and
# noisy; prints the median and range of each side and their ratio (debug builds, as users
# build while they work).
#   bench/derive_compare.sh [rev] [rounds]
set -euo pipefail
rev=${1:-HEAD~1}
rounds=${2:-6}
cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
. bench/project.sh
work=$(reference_workload "$target")
old_tree=$target/bench-old-tree
worktree_at "$rev" "$old_tree"

# One crate per side, each with its own target directory, dependencies built untimed.
setup() { # name, strata checkout
    local crate=$target/bench-derive-$1
    rm -rf "$crate" && mkdir -p "$crate/src"
    cp -r "$work/sqlite/migrations" "$crate/migrations"
    echo 'dialect = "sqlite"' > "$crate/migrations/strata.toml"
    printf '[package]\nname = "bench-derive-%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[dependencies]\nstrata = { path = "%s/runtime" }\n\n[workspace]\n' "$1" "$2" > "$crate/Cargo.toml"
    cargo run -q --release -p strata-schema --example models -- "$crate/migrations" > "$crate/src/lib.rs"
    (cd "$crate" && CARGO_TARGET_DIR=$crate/target cargo build -q 2>/dev/null || true)
}
setup old "$old_tree"
setup new "$root"

once() { # name: milliseconds of a build after touching the models
    local crate=$target/bench-derive-$1 s e
    touch "$crate/src/lib.rs"
    s=$(date +%s%N)
    (cd "$crate" && CARGO_TARGET_DIR=$crate/target cargo build -q 2>/dev/null)
    e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
}
old_ms=() new_ms=()
for i in $(seq 1 "$rounds"); do
    if (( i % 2 )); then old_ms+=("$(once old)"); new_ms+=("$(once new)")
    else new_ms+=("$(once new)"); old_ms+=("$(once old)"); fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "derive at $rev: $(stats "${old_ms[@]}")"
echo "derive here:    $(stats "${new_ms[@]}")"
echo "ratio here/$rev: $(echo "scale=3; $(median "${new_ms[@]}") / $(median "${old_ms[@]}")" | bc)"
