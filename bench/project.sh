# Sourced by the bench scripts: `project <strata> <workload> <dialect> <dir>` makes <dir> a
# strata project over the workload's migrations for <dialect>, with the models `strata models`
# writes and the strata.sum a project keeps (`renumber` records the directory), and enters it.
project() {
    local strata=$1 work=$2 dialect=$3 dir=$4
    rm -rf "$dir" && mkdir -p "$dir/src"
    cp -r "$work/$dialect/migrations" "$dir/migrations"
    echo "dialect = \"$dialect\"" > "$dir/migrations/strata.toml"
    cd "$dir"
    "$strata" models > src/models.rs
    "$strata" renumber > /dev/null
}

# `worktree_at <rev> <dir>`: a checkout of <rev> at <dir>, removed when the script exits.
worktree_at() {
    rm -rf "$2"
    git worktree prune
    git worktree add -q --detach "$2" "$1"
    trap "git worktree remove --force '$2' 2>/dev/null || true" EXIT
}

# `reference_workload <target dir>`: where the reference workload is (200 tables, 1000
# migrations; `STRATA_BENCH_WORKLOAD` points elsewhere), generated on first use.
reference_workload() {
    local work=${STRATA_BENCH_WORKLOAD:-$1/workload}
    [ -f "$work/manifest.json" ] || python3 ../shared/bench/gen_schema.py -n 200 -m 1000 --seed 42 -o "$work" >/dev/null
    echo "$work"
}
