#!/usr/bin/env bash
# The no-op start-up: a database at head (the reference workload's 1000 migrations applied),
# nothing to run. Three sides, alternating in each round so that the machine's noise falls on
# all of them: an application binary that embeds the migrations (`embed_migrations!`) and runs
# `Migrator::run` at start-up, `strata up` (the CLI, which reads the migration files), and the
# floor: the database's own client reading the newest version row. Per database: median
# (min-max) of ROUNDS, each strata side's ratio to the floor, and the instructions of one run
# of each strata side (callgrind; time spent waiting for the server is not counted). The
# PostgreSQL and MariaDB runs need the servers of STRATA_TEST_POSTGRES_URL and
# STRATA_TEST_MYSQL_URL (the machine's defaults) and use a database `strata_bench_startup`
# there. Writes the section `startup` of bench/RESULTS.md. Target: 1.5x the floor.
#   bench/startup.sh [ROUNDS, default 11] [DATABASES, default "sqlite postgres mysql"]
set -euo pipefail
rounds=${1:-11}
databases=${2:-sqlite postgres mysql}
cd "$(dirname "$0")/.."
. bench/project.sh
bench_setup
unset STRATA_STORE
name=strata_bench_startup

# One application crate per database (the migrations differ), one target directory for all.
apps=$target/bench-startup
mkdir -p "$apps"
printf '[workspace]\nmembers = ["sqlite", "postgres", "mysql"]\nresolver = "3"\n' > "$apps/Cargo.toml"
for db in sqlite postgres mysql; do
    crate=$apps/$db
    rm -rf "$crate/migrations" && mkdir -p "$crate/src"
    cp -r "$work/$db/migrations" "$crate/migrations"
    # The application has no models: every table is another's to describe.
    printf 'dialect = "%s"\nunmanaged = ["*"]\n' "$db" > "$crate/migrations/strata.toml"
    (cd "$crate" && "$strata" hash > /dev/null)
    pool=$(case $db in sqlite) echo SqlitePool;; postgres) echo PgPool;; mysql) echo MySqlPool;; esac)
    printf '[package]\nname = "startup-%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[dependencies]\nstrata = { path = "%s/runtime", default-features = false, features = ["%s"] }\nsqlx = { version = "0.9", default-features = false, features = ["runtime-tokio", "%s"] }\ntokio = { version = "1", features = ["rt", "macros"] }\n' \
        "$db" "$root" "$db" "$db" > "$crate/Cargo.toml"
    cat > "$crate/src/main.rs" <<RUST
static MIGRATOR: strata::Migrator = strata::embed_migrations!();

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let pool = sqlx::$pool::connect(&url).await.expect("connects");
    let report = MIGRATOR.run(&pool).await.expect("migrates");
    assert!(report.applied.is_empty(), "the database was not at head");
}
RUST
done
(cd "$apps" && cargo build -q --release)

ratio() { awk -v a="$(median_of "${@:2}")" -v b="$1" 'BEGIN { printf "%.2f", a / b }'; }
rows=()
for db in $databases; do
    case $db in
    sqlite)
        file=$target/bench-startup.db
        rm -f "$file"
        url="sqlite://$file"
        "$strata" up --dir "$apps/sqlite/migrations" --database-url "$url?mode=rwc" > /dev/null
        floor=(sqlite3 "$file" "SELECT max(version) FROM _sqlx_migrations")
        ;;
    postgres)
        base=${STRATA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
        psql "$base" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" > /dev/null
        url=${base%/*}/$name
        "$strata" up --dir "$apps/postgres/migrations" --database-url "$url" > /dev/null
        floor=(psql "$url" -Atc "SELECT max(version) FROM _sqlx_migrations")
        ;;
    mysql)
        base=${STRATA_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
        mariadb -h 127.0.0.1 -P 3306 -u root -e "DROP DATABASE IF EXISTS $name; CREATE DATABASE $name"
        url=${base%/*}/$name
        "$strata" up --dir "$apps/mysql/migrations" --database-url "$url" > /dev/null
        floor=(mariadb -h 127.0.0.1 -P 3306 -u root -N "$name" -e "SELECT max(version) FROM _sqlx_migrations")
        ;;
    esac
    app=("${CARGO_TARGET_DIR:-$apps/target}/release/startup-$db")
    cli=("$strata" up --dir "$apps/$db/migrations" --database-url "$url")
    a=() c=() f=()
    for i in $(seq "$rounds"); do
        case $(( i % 3 )) in
        0) order="app cli floor" ;;
        1) order="floor cli app" ;;
        2) order="cli floor app" ;;
        esac
        for side in $order; do
            case $side in
            app) a+=("$(( $(DATABASE_URL=$url once_us "${app[@]}") / 1000 ))") ;;
            cli) c+=("$(( $(once_us "${cli[@]}") / 1000 ))") ;;
            floor) f+=("$(( $(once_us "${floor[@]}") / 1000 ))") ;;
            esac
        done
    done
    fm=$(median_of "${f[@]}")
    [ "$fm" -gt 0 ] || fm=1
    rows+=("| $db | $(stats "${a[@]}") | $(ratio "$fm" "${a[@]}")x | $(DATABASE_URL=$url minstr "${app[@]}") | $(stats "${c[@]}") | $(ratio "$fm" "${c[@]}")x | $(minstr "${cli[@]}") | $(stats "${f[@]}") |")
    echo "${rows[-1]}"
done
cd "$root"
{
    echo "\`bench/startup.sh $rounds\`: a database at head, 1000 migrations, nothing to run; median (min-max) of $rounds rounds, the three sides alternating; ratios to the floor's median. Target: 1.5x."
    echo
    echo "| database | application (\`embed_migrations!\`, \`Migrator::run\`) | ratio | instr | \`strata up\` (reads the files) | ratio | instr | floor: the client reads the version row |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} | record startup
