#!/usr/bin/env bash
# `strata lint` against Squawk (the PostgreSQL migration linter, from PyPI) on the same up files:
# the PostgreSQL histories of ../shared/fixtures that strata reads, and the reference workload
# (1000 migrations). For each: both sides' findings, the ones they share (same statement, same
# kind of problem), the ones only one finds, and Squawk's style advice apart
# (bench/squawk_compare.py). On the workload, both are timed in one loop that alternates the
# sides (strata, squawk, squawk, strata, ...), strata's instructions counted by callgrind.
# Writes the section `lint` of bench/RESULTS.md; `--list` prints the one-sided findings too.
#   bench/squawk.sh [ROUNDS, default 5] [--list]
set -euo pipefail
rounds=${1:-5}
list=${2:-}
cd "$(dirname "$0")/.."
. bench/project.sh
bench_setup
venv=$target/bench-venv-squawk
[ -x "$venv/bin/squawk" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q squawk-cli; }
squawk=$venv/bin/squawk
fixtures=$root/../shared/fixtures
scratch=$target/bench-squawk
rm -rf "$scratch" && mkdir -p "$scratch"

# `tolerant <command...>`: the command, with exit code 1 (it found something) taken as success.
tolerant() { local rc=0; "$@" || rc=$?; [ "$rc" -le 1 ]; }

# `history <name> <source dir> [sed expression]`: a strata project over the history's files
# (edited as its own runner edits them), its up files listed in $name/ups.
history() {
    local name=$1 src=$2 edit=${3:-}
    local dir=$scratch/$name/migrations
    mkdir -p "$dir"
    cp -r "$src"/. "$dir"/
    if [ -n "$edit" ]; then find "$dir" -name '*.sql' -exec sed -i "$edit" {} +; fi
    echo 'dialect = "postgres"' > "$dir/strata.toml"
    find "$dir" \( -name '*.up.sql' -o -name 'up.sql' -o \( -name '*.sql' ! -name '*.down.sql' ! -name 'down.sql' \) \) \
        -type f | sort > "$scratch/$name/ups"
}

history docsrs "$fixtures/docsrs/postgres"
history diesel_tests "$fixtures/diesel_tests/postgres"
history vaultwarden "$fixtures/vaultwarden/postgres"
history atuin_server "$fixtures/atuin_server/postgres"
# River's runner puts the schema where the marker is; its 005 rebuilds a table in a DO block.
history river "$fixtures/river/postgres" 's|/\* TEMPLATE: schema \*/||g'
cat >> "$scratch/river/migrations/strata.toml" <<'TOML'
[[effect]]
file = "005_migration_unique_client.up.sql"
line = 5
sql = """
ALTER TABLE river_migration RENAME TO river_migration_old;
CREATE TABLE river_migration (line TEXT NOT NULL, version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT NOW(),
    CONSTRAINT line_length CHECK (char_length(line) > 0 AND char_length(line) < 128),
    CONSTRAINT version_gte_1 CHECK (version >= 1), PRIMARY KEY (line, version));
DROP TABLE river_migration_old;
"""
TOML
history workload "$work/postgres/migrations"

rows=""
for name in docsrs diesel_tests vaultwarden atuin_server river workload; do
    (cd "$scratch/$name" && tolerant "$strata" lint --json > strata.json)
    # shellcheck disable=SC2046
    tolerant "$squawk" --reporter json --pg-version 13 $(cat "$scratch/$name/ups") > "$scratch/$name/squawk.json"
    counts=$(python3 bench/squawk_compare.py "$scratch/$name" "$scratch/$name/strata.json" "$scratch/$name/squawk.json" $list)
    if [ -n "$list" ]; then sed -n '2,$p' <<< "$counts" | sed "s|^|$name |"; fi
    rows+=$(sed -n 1p <<< "$counts" | python3 -c "
import json, sys
c = json.load(sys.stdin)
n = sum(1 for _ in open('$scratch/$name/ups'))
print(f\"| $name | {n} | {c['strata']} | {c['squawk']} | {c['squawk_style']} | {c['strata_in_both']} / {c['both']} | {c['squawk_only']} | {c['strata_only']} |\")")
    rows+=$'\n'
done

# Time on the workload, alternating.
cd "$scratch/workload"
mapfile -t ups < ups
mine=() theirs=()
for i in $(seq "$rounds"); do
    for side in $( (( i % 2 )) && echo "mine theirs" || echo "theirs mine"); do
        if [ "$side" = mine ]; then
            t=$(once_us tolerant "$strata" lint); mine+=("$(( t / 1000 ))")
        else
            t=$(once_us tolerant "$squawk" --pg-version 13 "${ups[@]}"); theirs+=("$(( t / 1000 ))")
        fi
    done
done
instr=$( (instructions "$strata" lint || true) | awk '{ printf "%.1f M", $1 / 1e6 }')
cd "$root"

record lint <<EOF
\`bench/squawk.sh $rounds\`: \`strata lint\` (every migration, each its own batch, PostgreSQL 13
assumed) and Squawk $("$squawk" --version | cut -d' ' -f2) (\`--pg-version 13\`) on the same up files. "Both": the same statement,
the same kind of problem; Squawk's style advice (prefer-*, timeouts, ban-drop-default...) is
counted apart and has no strata rule. The one-sided findings are read in docs/lint.md.

| history | up files | strata | Squawk | Squawk's style advice | both (strata / Squawk) | Squawk only | strata only |
|---|---:|---:|---:|---:|---:|---:|---:|
$rows
Time on the workload's 1000 up files: \`strata lint\` $(stats "${mine[@]}"), $instr instructions;
Squawk $(stats "${theirs[@]}"), in the same loop.
EOF
sed -n '/<!-- lint -->/,/<!-- \/lint -->/p' bench/RESULTS.md
