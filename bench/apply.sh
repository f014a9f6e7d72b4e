#!/usr/bin/env bash
# `strata up` of the reference workload's 1000 migrations into an empty database, against the
# database's own client running the same SQL as one transaction per migration with its version
# row (`all_up_txn_each.sql`, the floor), alternating (strata, client, client, strata, ...) so
# that the machine's noise (here mostly the disk) falls on both. strata keeps what the client
# does not: a migration stopped partway is recorded as such and carried on (see
# docs/reliability.md). Per database: median (min-max) of ROUNDS and the ratio of the medians.
# PostgreSQL and MariaDB use a database `strata_bench_apply` on the servers of
# STRATA_TEST_POSTGRES_URL and STRATA_TEST_MYSQL_URL. Writes the section `apply` of
# bench/RESULTS.md. Target: 1.05x.
#   bench/apply.sh [ROUNDS, default 5] [DATABASES, default "sqlite postgres mysql"]
set -euo pipefail
rounds=${1:-5}
databases=${2:-sqlite postgres mysql}
cd "$(dirname "$0")/.."
. bench/project.sh
bench_setup
name=strata_bench_apply

rows=()
for db in $databases; do
    dir=$target/bench-apply-$db
    rm -rf "$dir" && cp -r "$work/$db/migrations" "$dir"
    echo "dialect = \"$db\"" > "$dir/strata.toml"
    (cd "$dir/.." && "$strata" hash --dir "$dir" > /dev/null)
    floor_sql=$work/$db/all_up_txn_each.sql
    case $db in
    sqlite)
        file=$target/bench-apply.db
        fresh() { rm -f "$file" "$file-wal" "$file-shm"; }
        url="sqlite://$file?mode=rwc"
        floor() { sqlite3 "$file" < "$floor_sql"; }
        ;;
    postgres)
        base=${STRATA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
        url=${base%/*}/$name
        fresh() { psql "$base" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" > /dev/null; }
        floor() { psql "$url" -q -v ON_ERROR_STOP=1 -f "$floor_sql" > /dev/null; }
        ;;
    mysql)
        base=${STRATA_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
        url=${base%/*}/$name
        fresh() { mariadb -h 127.0.0.1 -P 3306 -u root -e "DROP DATABASE IF EXISTS $name; CREATE DATABASE $name"; }
        floor() { mariadb -h 127.0.0.1 -P 3306 -u root "$name" < "$floor_sql"; }
        ;;
    esac
    mine=() theirs=()
    for i in $(seq "$rounds"); do
        for side in $( (( i % 2 )) && echo "mine theirs" || echo "theirs mine"); do
            fresh
            if [ "$side" = mine ]; then
                mine+=("$(( $(once_us "$strata" up --dir "$dir" --database-url "$url") / 1000 ))")
            else
                theirs+=("$(( $(once_us floor) / 1000 ))")
            fi
        done
    done
    ratio=$(awk -v a="$(median_of "${mine[@]}")" -v b="$(median_of "${theirs[@]}")" 'BEGIN { printf "%.2f", a / b }')
    rows+=("| $db | $(stats "${mine[@]}") | $(stats "${theirs[@]}") | ${ratio}x |")
    echo "${rows[-1]}"
done
cd "$root"
{
    echo "\`bench/apply.sh $rounds\`: 1000 migrations into an empty database, median (min-max) of $rounds alternating rounds. Target: 1.05x."
    echo
    echo "| database | \`strata up\` | client, one transaction per migration | ratio |"
    echo "|---|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} | record apply
