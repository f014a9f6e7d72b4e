#!/usr/bin/env bash
# `strata check` against `alembic check`, and `strata generate` (one model change) against
# `alembic revision --autogenerate`, on the reference workload (200 tables, 1000 migrations),
# SQLite, in one loop that alternates the sides (strata, alembic, alembic, strata, ...) so that
# the machine's noise falls on both. Alembic needs a database at head (upgraded once, untimed);
# strata needs none. strata is measured cold (`STRATA_STORE=off`: nothing stored, as
# in a fresh CI checkout or after a migration changes) and warm (the replay stored by the run
# before, as after a model edit). Alembic comes from PyPI into a virtual environment under
# target/ the first time. Writes the section `alembic` of bench/RESULTS.md.
#   bench/alembic.sh [ROUNDS, default 5]
set -euo pipefail
rounds=${1:-5}
cd "$(dirname "$0")/.."
. bench/project.sh
bench_setup
venv=$target/bench-venv
[ -x "$venv/bin/alembic" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q alembic sqlalchemy; }
alembic=("$venv/bin/alembic" -c "$work/alembic/sqlite.ini")
export BENCH_DB_URL=sqlite:///$target/bench-alembic.db
rm -f "$target/bench-alembic.db"
(cd "$work" && "${alembic[@]}" upgrade head > /dev/null 2>&1)
versions=$work/alembic/sqlite/versions
ls "$versions" > "$target/bench-alembic-before.txt"
alembic_reset() {
    comm -13 "$target/bench-alembic-before.txt" <(ls "$versions") | sed "s|^|$versions/|" | xargs -r rm -rf
}
store=$target/bench-alembic-store
rm -rf "$store"
project "$strata" "$work" sqlite "$target/bench-alembic-project"
reset() { :; }

# One round of each side: strata cold, strata warm, alembic; in alternating order. Appends
# milliseconds to the arrays cold, warm, theirs. $1: what alembic runs (check or revision).
round() {
    local i=$1; shift
    local mine=(cold warm) t
    for side in $( (( i % 2 )) && echo "mine theirs" || echo "theirs mine"); do
        if [ "$side" = mine ]; then
            reset; t=$(STRATA_STORE=off once_us "${strata_cmd[@]}"); cold+=("$(( t / 1000 ))")
            reset; t=$(STRATA_STORE=$store once_us "${strata_cmd[@]}"); warm+=("$(( t / 1000 ))")
        else
            alembic_reset; t=$(cd "$work" && once_us "$@"); theirs+=("$(( t / 1000 ))")
        fi
    done
}

# check: the models match.
strata_cmd=("$strata" check)
STRATA_STORE=$store "$strata" check > /dev/null || { echo "check is not clean"; exit 1; }
cold=() warm=() theirs=()
for i in $(seq "$rounds"); do round "$i" "${alembic[@]}" check; done
check=("$(stats "${cold[@]}")" "$(stats "${warm[@]}")" "$(stats "${theirs[@]}")"
    "$(echo "scale=0; $(median_of "${theirs[@]}") / $(median_of "${cold[@]}")" | bc)"
    "$(echo "scale=0; $(median_of "${theirs[@]}") / $(median_of "${warm[@]}")" | bc)"
    "$(STRATA_STORE=off minstr "$strata" check)" "$(STRATA_STORE=$store minstr "$strata" check)")

# generate: one model change, the same on both sides.
one_model_change
strata_cmd=("$strata" generate -m bench)
cold=() warm=() theirs=()
for i in $(seq "$rounds"); do BENCH_MODELS=models_changed round "$i" "${alembic[@]}" revision --autogenerate -m bench; done
alembic_reset
reset; gen_cold_i=$(STRATA_STORE=off minstr "$strata" generate -m bench)
reset; gen_warm_i=$(STRATA_STORE=$store minstr "$strata" generate -m bench)
reset
generate=("$(stats "${cold[@]}")" "$(stats "${warm[@]}")" "$(stats "${theirs[@]}")"
    "$(echo "scale=0; $(median_of "${theirs[@]}") / $(median_of "${cold[@]}")" | bc)"
    "$(echo "scale=0; $(median_of "${theirs[@]}") / $(median_of "${warm[@]}")" | bc)"
    "$gen_cold_i" "$gen_warm_i")
cd "$root"

{
    echo "\`bench/alembic.sh $rounds\`: the reference workload on SQLite, median (min-max) of $rounds alternating rounds; the ratio is Alembic's median over strata's (how many times faster strata is); instructions of one strata run (callgrind). Targets: 100x faster, 50 ms, 150 M instructions."
    echo
    echo "| | strata cold | strata warm | Alembic | cold: x faster | warm: x faster | instr cold | instr warm |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    echo "| \`check\` / \`alembic check\` | ${check[0]} | ${check[1]} | ${check[2]} | ${check[3]}x | ${check[4]}x | ${check[5]} | ${check[6]} |"
    echo "| \`generate\` / \`alembic revision --autogenerate\` | ${generate[0]} | ${generate[1]} | ${generate[2]} | ${generate[3]}x | ${generate[4]}x | ${generate[5]} | ${generate[6]} |"
} | tee /dev/stderr | record alembic
