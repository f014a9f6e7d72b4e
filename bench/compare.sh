#!/usr/bin/env bash
# `strata check` of this checkout against the one at <rev> (default: HEAD~1), on the reference
# workload (200 tables, 1000 migrations) for each dialect; no database. Both binaries run in
# the same loop, alternating (A B B A ...), since the machine is shared and noisy; prints the
# median of each side, their ratio, and instruction counts of one run of each (callgrind),
# which do not wobble.
#   bench/compare.sh [rev] [rounds]
set -euo pipefail
rev=${1:-HEAD~1}
rounds=${2:-15}
cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
. bench/project.sh
work=$(reference_workload "$target")
old_tree=$target/bench-old-tree
worktree_at "$rev" "$old_tree"
(cd "$old_tree" && CARGO_TARGET_DIR=$target/bench-old-target cargo build -q --release -p strata-cli)
cargo build -q --release -p strata-cli
old=$target/bench-old-target/release/strata
new=$target/release/strata

median() { sort -n | sed -n "$(( (rounds + 1) / 2 ))p"; }

printf "%-8s %12s %12s %7s %16s %16s %7s\n" dialect "$rev ms" "this ms" ratio "$rev instr" "this instr" ratio
for dialect in sqlite postgres mysql; do
    project "$new" "$work" "$dialect" "$target/bench-compare-$dialect"
    for bin in "$old" "$new"; do
        "$bin" check > /dev/null || { echo "check is not clean on $dialect with $bin"; exit 1; }
    done
    a=() b=()
    for i in $(seq "$rounds"); do
        if (( i % 2 )); then a+=("$(once_us "$old" check)"); b+=("$(once_us "$new" check)")
        else b+=("$(once_us "$new" check)"); a+=("$(once_us "$old" check)"); fi
    done
    ma=$(printf '%s\n' "${a[@]}" | median)
    mb=$(printf '%s\n' "${b[@]}" | median)
    ia=$(instructions "$old" check)
    ib=$(instructions "$new" check)
    cd "$root"
    awk -v d="$dialect" -v a="$ma" -v b="$mb" -v ia="$ia" -v ib="$ib" 'BEGIN {
        printf "%-8s %12.1f %12.1f %6.2fx %16d %16d %6.2fx\n", d, a / 1000, b / 1000, b / a, ia, ib, ib / ia
    }'
done
