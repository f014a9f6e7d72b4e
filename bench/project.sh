# Sourced by the bench scripts, from the checkout's root.

# `bench_setup`: sets root (the checkout), target (CARGO_TARGET_DIR or target/), work (the
# reference workload) and strata (the release binary, built).
bench_setup() {
    root=$PWD
    target=${CARGO_TARGET_DIR:-$root/target}
    work=$(reference_workload "$target")
    cargo build -q --release -p strata-cli
    strata=$target/release/strata
}

# `project <strata> <workload> <dialect> <dir>` makes <dir> a
# strata project over the workload's migrations for <dialect>, with the models `strata models`
# writes and the strata.sum a project keeps (`renumber` records the directory), committed to a
# git repository of its own on `main`, and enters it.
project() {
    local strata=$1 work=$2 dialect=$3 dir=$4
    rm -rf "$dir" && mkdir -p "$dir/src"
    cp -r "$work/$dialect/migrations" "$dir/migrations"
    echo "dialect = \"$dialect\"" > "$dir/migrations/strata.toml"
    cd "$dir"
    "$strata" models > src/models.rs
    "$strata" renumber > /dev/null
    # A repository whose main branch holds every migration: `check` asks git which migrations
    # are new (none: nothing to lint), as on a project's main branch.
    git init -q -b main . && git add -A \
        && git -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false commit -q -m bench
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

# `record <section>`: stdin becomes the section <section> of bench/RESULTS.md (between its
# `<!-- <section> -->` markers, added at the end the first time), headed by the machine's load
# and the commit measured; the other sections stay as they are.
record() {
    local results=bench/RESULTS.md
    local body
    body=$(printf 'Measured %s on commit %s%s, %s cores, load %s.\n\n' \
        "$(date -u +%Y-%m-%d)" "$(git rev-parse --short HEAD)" \
        "$(git diff --quiet HEAD -- . ':!bench/RESULTS.md' || echo ' with uncommitted changes')" \
        "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"; cat)
    BODY=$body python3 - "$results" "$1" <<'PY'
import os, sys
path, name = sys.argv[1], sys.argv[2]
begin, end = f"<!-- {name} -->", f"<!-- /{name} -->"
text = open(path).read() if os.path.exists(path) else "# Benchmark results\n\nWritten by the scripts of `bench/` (see bench/README.md); each section by one command.\n"
block = f"{begin}\n{os.environ['BODY'].rstrip()}\n{end}"
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip() + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
}

# `median_of`, `min_of`, `max_of`: of the numbers given as arguments.
median_of() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
min_of() { printf '%s\n' "$@" | sort -n | head -1; }
max_of() { printf '%s\n' "$@" | sort -n | tail -1; }

# `stats <ms...>`: "median ms (min-max)" of the numbers given.
stats() { echo "$(median_of "$@") ms ($(min_of "$@")-$(max_of "$@"))"; }

# `minstr <command...>`: the instructions of one run, in millions ("367.7 M").
minstr() { instructions "$@" | awk '{ printf "%.1f M", $1 / 1e6 }'; }

# `instructions <command...>`: instructions one run executes (callgrind), which do not drift
# with the machine's load.
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# `peak_kib <command...>`: the peak resident memory of one run, in KiB.
peak_kib() {
    /usr/bin/time -f '%M' -o /tmp/strata-bench-peak.$$ "$@" > /dev/null 2>&1
    cat /tmp/strata-bench-peak.$$ && rm -f /tmp/strata-bench-peak.$$
}

# `one_model_change`: in a project made by `project`, a nullable column at the end of the first
# model; defines `reset`, which takes back what a `strata generate` wrote since (its migration
# and strata.sum's new line), so that every run plans the same change.
one_model_change() {
    sed -i '0,/^}$/s//    pub bench_extra: Option<i64>,\n}/' src/models.rs
    ls migrations > before.txt
    cp migrations/strata.sum sum.before
    reset() {
        comm -13 before.txt <(ls migrations) | sed 's|^|migrations/|' | xargs -r rm -rf
        cp sum.before migrations/strata.sum
    }
}

# `once_us <command...>`: microseconds of one run (which must succeed), output discarded.
once_us() {
    local s e
    s=$(date +%s%N)
    "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    e=$(date +%s%N)
    echo $(( (e - s) / 1000 ))
}
