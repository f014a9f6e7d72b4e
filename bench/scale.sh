#!/usr/bin/env bash
# The scaling curve: `strata check`, `strata generate` (one model change) and the no-op start-up
# (`strata up` with the history at head) on histories of 1k, 5k and 20k migrations (`gen_schema.py`, tables in
# proportion: 200, 1000, 4000), SQLite, no database server. Per size: the median and range of
# the wall time over ROUNDS runs, the instructions of one run (callgrind), the peak memory, and
# the SQL text's size, so that memory reads as a multiple of it. `check` and `generate` are
# measured cold (nothing stored: `STRATA_STORE=off`, the first run after the
# migrations change, and every run in a fresh CI checkout) and warm (the replay stored under
# target/ by the run before: every run after a model edit). Writes the section `scale` of
# bench/RESULTS.md.
#   bench/scale.sh [ROUNDS, default 5] [SIZES, default "1000 5000 20000"]
set -euo pipefail
rounds=${1:-5}
sizes=${2:-1000 5000 20000}
cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
. bench/project.sh
cargo build -q --release -p strata-cli
strata=$target/release/strata

once_ms() { echo "scale=1; $(once_us "$@") / 1000" | bc; }
# "median ms (min-max)" of $rounds runs of "$@", `reset` run untimed before each.
timed() {
    local t=()
    for _ in $(seq "$rounds"); do reset; t+=("$(once_ms "$@")"); done
    echo "$(median_of "${t[@]}") ms ($(min_of "${t[@]}")-$(max_of "${t[@]}"))"
}
reset() { :; }

rows=()
for m in $sizes; do
    n=$(( m / 5 ))
    work=$target/workload-$m
    [ "$m" = 1000 ] && work=$(reference_workload "$target")
    [ -f "$work/manifest.json" ] || python3 ../shared/bench/gen_schema.py -n "$n" -m "$m" --seed 42 -o "$work" > /dev/null
    sql_kib=$(( $(find "$work/sqlite/migrations" -name up.sql -exec cat {} + | wc -c) / 1024 ))
    project "$strata" "$work" sqlite "$target/bench-scale-$m"
    store=$target/bench-scale-$m-store
    rm -rf "$store"

    export STRATA_STORE=off
    check_cold=$(timed "$strata" check)
    check_cold_i=$(minstr "$strata" check)
    check_cold_m=$(peak_kib "$strata" check)
    export STRATA_STORE=$store
    "$strata" check > /dev/null
    check_warm=$(timed "$strata" check)
    check_warm_i=$(minstr "$strata" check)
    check_warm_m=$(peak_kib "$strata" check)

    one_model_change
    export STRATA_STORE=off
    gen_cold=$(timed "$strata" generate -m bench)
    reset; gen_cold_i=$(minstr "$strata" generate -m bench)
    export STRATA_STORE=$store
    gen_warm=$(timed "$strata" generate -m bench)
    reset; gen_warm_i=$(minstr "$strata" generate -m bench)
    reset; gen_warm_m=$(peak_kib "$strata" generate -m bench)
    reset
    reset() { :; }

    # The no-op start-up: a history at head, nothing to run. The history is stamped (`stamp
    # head --force`) rather than applied: applying 20k migrations is SQLite's own ALTER TABLE
    # work (it re-reads the whole schema at each one, hours at this size), and the tables it
    # would make are the database's to read, not strata's (bench/startup.sh measures a real
    # database at head, against the client).
    db=$target/bench-scale-$m.db
    rm -f "$db"
    "$strata" stamp head --force --database-url "sqlite://$db?mode=rwc" > /dev/null
    noop=$(timed "$strata" up --database-url "sqlite://$db")
    noop_i=$(minstr "$strata" up --database-url "sqlite://$db")
    noop_m=$(peak_kib "$strata" up --database-url "sqlite://$db")
    unset STRATA_STORE
    cd "$root"
    rows+=("| $m | $n | $sql_kib KiB | $check_cold | $check_cold_i | $check_cold_m KiB | $check_warm | $check_warm_i | $check_warm_m KiB | $gen_cold | $gen_cold_i | $gen_warm | $gen_warm_i | $gen_warm_m KiB | $noop | $noop_i | $noop_m KiB |")
    echo "${rows[-1]}"
done

{
    echo "\`bench/scale.sh $rounds \"$sizes\"\`: SQLite, median (min-max) of $rounds runs, instructions of one run (callgrind), peak resident memory."
    echo
    echo "| migrations | tables | SQL | check cold | instr | peak | check warm | instr | peak | generate cold | instr | generate warm | instr | peak | up, history at head | instr | peak |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} | record scale
