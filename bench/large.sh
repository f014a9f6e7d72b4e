#!/usr/bin/env bash
# One large data migration (INSERTs of one row each, 130 bytes a statement), applied by
# `strata up` against the database's own client running the same file in one transaction:
# `sqlite3` on SQLite; on MariaDB the `mariadb` client. Target: within 1.5x. Runs alternate
# (strata, client, client, strata, ...) so that the machine's noise falls on both sides.
#   bench/large.sh [MB, default 50] [RUNS, default 5] [sqlite|mysql, default sqlite]
# The MariaDB run needs the server of STRATA_TEST_MYSQL_URL (root, no password) and uses a
# database `strata_bench_large` there. Honours CARGO_TARGET_DIR; runs from any checkout.
set -euo pipefail
mb=${1:-50} runs=${2:-5} dialect=${3:-sqlite}
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
cargo build -q --release -p strata-cli
strata=$target/release/strata
work=$target/bench-large-$dialect
rm -rf "$work" && mkdir -p "$work/migrations"
printf 'dialect = "%s"\n' "$dialect" > "$work/migrations/strata.toml"
python3 - "$work/migrations/1_big.up.sql" "$mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT, note TEXT);\n")
    i = 0
    while f.tell() < mb * 1_000_000:
        f.write(f"INSERT INTO big (id, name, note) VALUES ({i}, 'name {i}', 'a note of some length for row {i}, as data has');\n")
        i += 1
PY
file=$work/migrations/1_big.up.sql
(cd "$work" && "$strata" hash > /dev/null)

seconds() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo "$(( (e - s) / 1000000 ))"; }
case $dialect in
    sqlite)
        ours() { rm -f "$work/a.db"; (cd "$work" && seconds "$strata" up --database-url "sqlite://$work/a.db"); }
        theirs() { rm -f "$work/b.db"; seconds sh -c "(echo 'BEGIN;'; cat '$file'; echo 'COMMIT;') | sqlite3 '$work/b.db'"; } ;;
    mysql)
        db=strata_bench_large
        fresh() { mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"; }
        ours() { fresh; (cd "$work" && seconds "$strata" up --database-url "mysql://root@127.0.0.1:3306/$db"); }
        theirs() { fresh; seconds sh -c "(echo 'START TRANSACTION;'; cat '$file'; echo 'COMMIT;') | mariadb -h 127.0.0.1 -u root $db"; } ;;
    *) echo "sqlite or mysql" >&2; exit 2 ;;
esac
a=() b=()
for i in $(seq "$runs"); do
    if [ $((i % 2)) = 1 ]; then a+=("$(ours)"); b+=("$(theirs)"); else b+=("$(theirs)"); a+=("$(ours)"); fi
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
ma=$(median "${a[@]}") mb_=$(median "${b[@]}")
echo "$dialect, ${mb} MB in one migration: strata up ${ma} ms, the client ${mb_} ms (medians of $runs, alternating): $(awk "BEGIN { printf \"%.2f\", $ma / $mb_ }")x"
