#!/usr/bin/env bash
# Fan-out throughput: targets migrated per second by `strata fleet up --targets FILE --jobs J`
# against the single-target command in a shell loop (`for url in ...; do strata up
# --database-url "$url"; done`), the way a deploy script migrates its tenants without fan-out.
# Each target is a tenant's database with the reference workload's generator at a tenant's
# size (20 tables, 60 migrations). Two cases a deploy meets:
#   fresh    every target empty: all 60 migrations to apply (a new region, a rebuilt fleet);
#   one      every target at the migration before head: one to apply (a release).
# Per database (SQLite files, PostgreSQL databases): ROUNDS rounds, the two sides alternating
# (A B, then B A, ...), each run on targets reset to the case's start (untimed: SQLite files
# copied from a template, PostgreSQL databases made from a template database). Prints the
# median targets per second of each side and the ratio. PostgreSQL uses the server of
# STRATA_TEST_POSTGRES_URL (the machine's default) and databases `strata_bench_fleet_*` there.
# Writes the section `fleet` of bench/RESULTS.md.
#   bench/fleet.sh [ROUNDS, default 5] [TARGETS, default 100] [JOBS, default 4] [DATABASES, default "sqlite postgres"]
set -euo pipefail
rounds=${1:-5}
targets=${2:-100}
jobs=${3:-4}
databases=${4:-sqlite postgres}
cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
cargo build -q --release -p strata-cli
strata=$target/release/strata
pg=${STRATA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
pg_server=${pg%/*}
export PGOPTIONS="-c client_min_messages=warning"
work=$target/bench-fleet
rm -rf "$work" && mkdir -p "$work"
python3 ../shared/bench/gen_schema.py -n 20 -m 60 --seed 7 -o "$work/workload" > /dev/null

# A strata project over the tenant workload for $1, entered.
tenant_project() {
    local dir=$work/project-$1
    rm -rf "$dir" && mkdir -p "$dir"
    cp -r "$work/workload/$1/migrations" "$dir/migrations"
    echo "dialect = \"$1\"" > "$dir/migrations/strata.toml"
    cd "$dir"
    "$strata" hash > /dev/null
}

# The newest migration's version, and the one before it.
versions() {
    "$strata" history --json | python3 -c 'import json,sys; m=json.load(sys.stdin)["migrations"]; print(m[-2]["version"])'
}

# Seconds of one run of "$@" (which must succeed), to the millisecond.
timed() {
    local s e
    s=$(date +%s%N)
    "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    e=$(date +%s%N)
    echo "$(( (e - s) / 1000000 ))"
}

loop_up() {
    while read -r url; do
        "$strata" up --database-url "$url" || return 1
    done < "$work/targets.txt"
}

fleet_up() {
    "$strata" fleet up --targets "$work/targets.txt" --jobs "$jobs"
}

# `median <list of ms>`: the median.
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

report=""
for db in $databases; do
    tenant_project "$db"
    before_head=$(versions)
    : > "$work/targets.txt"
    case $db in
        sqlite)
            # Templates: empty (no file), and at the migration before head.
            "$strata" up "$before_head" --database-url "sqlite://$work/one.db" > /dev/null
            for i in $(seq "$targets"); do echo "sqlite://$work/t$i.db" >> "$work/targets.txt"; done
            reset() {
                for i in $(seq "$targets"); do
                    rm -f "$work/t$i.db"
                    [ "$1" = one ] && cp "$work/one.db" "$work/t$i.db"
                done
                return 0
            }
            ;;
        postgres)
            psql -q "$pg" -c "DROP DATABASE IF EXISTS strata_bench_fleet_one WITH (FORCE)" -c "CREATE DATABASE strata_bench_fleet_one" > /dev/null
            "$strata" up "$before_head" --database-url "$pg_server/strata_bench_fleet_one" > /dev/null
            for i in $(seq "$targets"); do echo "$pg_server/strata_bench_fleet_$i" >> "$work/targets.txt"; done
            reset() {
                local template=template0
                [ "$1" = one ] && template=strata_bench_fleet_one
                for i in $(seq "$targets"); do
                    echo "DROP DATABASE IF EXISTS strata_bench_fleet_$i WITH (FORCE);"
                    echo "CREATE DATABASE strata_bench_fleet_$i TEMPLATE $template;"
                done | psql -q "$pg" > /dev/null
            }
            ;;
    esac
    for case in fresh one; do
        a=() b=()
        for r in $(seq "$rounds"); do
            if (( r % 2 )); then
                reset "$case"; a+=("$(timed fleet_up)")
                reset "$case"; b+=("$(timed loop_up)")
            else
                reset "$case"; b+=("$(timed loop_up)")
                reset "$case"; a+=("$(timed fleet_up)")
            fi
        done
        ma=$(median "${a[@]}") mb=$(median "${b[@]}")
        line=$(awk -v d="$db" -v c="$case" -v n="$targets" -v a="$ma" -v b="$mb" -v j="$jobs" 'BEGIN {
            printf "| %s | %s | %d | %.1f targets/s (%.2f s) | %.1f targets/s (%.2f s) | %.2fx |", d, c, n, n / (a / 1000), a / 1000, n / (b / 1000), b / 1000, b / a
        }')
        echo "$line"
        report+="$line"$'\n'
    done
    cd "$root"
    if [ "$db" = postgres ]; then
        for i in $(seq "$targets"); do echo "DROP DATABASE IF EXISTS strata_bench_fleet_$i WITH (FORCE);"; done | psql -q "$pg" > /dev/null
        psql -q "$pg" -c "DROP DATABASE IF EXISTS strata_bench_fleet_one WITH (FORCE)" > /dev/null
    fi
done

. bench/project.sh
{
    echo "\`bench/fleet.sh $rounds $targets $jobs\`: $rounds rounds, the sides alternating; medians. A tenant: 20 tables, 60 migrations (\`gen_schema.py -n 20 -m 60 --seed 7\`)."
    echo
    echo "| database | case | targets | \`strata fleet up --jobs $jobs\` | \`strata up\` in a shell loop | fleet / loop |"
    echo "|---|---|---:|---:|---:|---:|"
    printf '%s' "$report"
} | record fleet
