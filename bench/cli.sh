#!/usr/bin/env bash
# `strata check` and `strata generate` (one model change) on the reference workload: 200
# tables, 1000 migrations, the models written by `strata models`; no database. Budget: 50 ms
# each. Alembic needs 2.5-3.5 s and a database at head for the same work
# (../shared/bench/README.md), and is measured here too, on SQLite, in the same run: the
# workload's Alembic project upgraded to head, then `alembic check` and `alembic revision
# --autogenerate` with one extra column (`--no-alembic` skips it; it takes about a minute and
# installs Alembic into target/bench-venv from PyPI the first time).
# Prints the median of 21 runs of each strata command and of 3 of each Alembic one.
set -euo pipefail
alembic=yes
[ "${1:-}" = --no-alembic ] && alembic=no
cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
. bench/project.sh
work=$(reference_workload "$target")
runs=21
# Cold: no replay stored between runs (bench/alembic.sh and bench/scale.sh measure both).
export STRATA_STORE=off
cargo build -q --release -p strata-cli
strata=$target/release/strata

# Milliseconds of the median of $runs runs of "$@", with `reset` run (untimed) before each.
# Every run must succeed.
median() {
    local times=() s e
    for _ in $(seq "$runs"); do
        reset
        s=$(date +%s%N)
        "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
        e=$(date +%s%N)
        times+=("$(( (e - s) / 1000 ))")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p" | awk '{ printf "%.1f", $1 / 1000 }'
}

sqlite_check= sqlite_generate=
for dialect in sqlite postgres mysql; do
    project "$strata" "$work" "$dialect" "$target/bench-cli-$dialect"
    "$strata" check > /dev/null || { echo "check is not clean on $dialect"; exit 1; }
    reset() { :; }
    check=$(median "$strata" check)

    # One model change: a nullable column at the end of the first model; each run writes the
    # migration, `reset` takes it back.
    one_model_change
    generate=$(median "$strata" generate -m bench)
    reset
    "$strata" generate -m bench | grep -q "+ column account_000.bench_extra" \
        || { echo "generate wrote no change on $dialect"; exit 1; }
    "$strata" check > /dev/null || { echo "check is not clean after generate on $dialect"; exit 1; }
    cd "$root"
    [ "$dialect" = sqlite ] && sqlite_check=$check sqlite_generate=$generate
    awk -v d="$dialect" -v c="$check" -v g="$generate" 'BEGIN {
        printf "%-8s  check %5.1f ms (%.2fx of 50 ms)   generate %5.1f ms (%.2fx of 50 ms)\n", d, c, c / 50, g, g / 50
    }'
done

[ "$alembic" = yes ] || exit 0
venv=$target/bench-venv
[ -x "$venv/bin/alembic" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q alembic sqlalchemy; }
cd "$work"
db=$target/bench-alembic.db
rm -f "$db"
export BENCH_DB_URL=sqlite:///$db
"$venv/bin/alembic" -c alembic/sqlite.ini upgrade head > /dev/null 2>&1
runs=3
reset() { :; }
alembic_check=$(median "$venv/bin/alembic" -c alembic/sqlite.ini check)
ls alembic/sqlite/versions > "$target/bench-alembic-before.txt"
reset() {
    comm -13 "$target/bench-alembic-before.txt" <(ls alembic/sqlite/versions) \
        | sed 's|^|alembic/sqlite/versions/|' | xargs -r rm -rf
}
alembic_generate=$(BENCH_MODELS=models_changed median "$venv/bin/alembic" -c alembic/sqlite.ini revision --autogenerate -m bench)
reset
awk -v c="$alembic_check" -v g="$alembic_generate" -v sc="$sqlite_check" -v sg="$sqlite_generate" 'BEGIN {
    printf "alembic   check %7.1f ms (strata: %.3fx of it)  revision --autogenerate %7.1f ms (strata: %.3fx of it), SQLite at head\n", c, sc / c, g, sg / g
}'
