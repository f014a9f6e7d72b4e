#!/usr/bin/env bash
# What strata's macros cost a crate at compile time: the workload's 200 tables as
# `#[derive(Model)]` structs with `strata::embed_migrations!()` over its 1000 migrations, against
# the same structs without the derive and with `sqlx::migrate!()` over the same migrations (in
# sqlx's file layout). Each crate has its dependencies built first (untimed); then, alternating
# (strata, sqlx, sqlx, strata, ...): a clean build of the crate alone (`cargo clean -p`; no
# stored replay, as after `cargo clean`), and a rebuild after touching the models file (the
# replay stored by the build before is read). Debug, or release with `--release`. Writes the
# section `derive-debug` or `derive-release` of bench/RESULTS.md. Targets: +1.0 s clean,
# +0.3 s incremental.
# `--optimised-macros` (after --release or in its place) builds both crates' proc macros and
# their dependencies optimised (`[profile.*.build-override] opt-level = 3`, as docs/attributes.md
# suggests for long histories) and writes the section `derive-<profile>-optimised-macros`.
#   bench/derive_overhead.sh [ROUNDS, default 5] [--release] [--optimised-macros]
set -euo pipefail
rounds=${1:-5}
profile=debug flag= override= section_suffix=
for a in "${@:2}"; do
    case $a in
    --release) profile=release flag=--release ;;
    --optimised-macros) override=yes section_suffix=-optimised-macros ;;
    esac
done
cd "$(dirname "$0")/.."
. bench/project.sh
bench_setup
unset CARGO_TARGET_DIR STRATA_STORE

manifest() { # name, dependency line
    printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[dependencies]\n%s\n\n[workspace]\n' "$1" "$2"
    [ -z "$override" ] || printf '\n[profile.dev.build-override]\nopt-level = 3\n\n[profile.release.build-override]\nopt-level = 3\n'
}
mine=$target/bench-overhead-strata theirs=$target/bench-overhead-sqlx
project "$strata" "$work" sqlite "$mine"
manifest bench-overhead-strata "strata = { path = \"$root/runtime\" }" > Cargo.toml
printf '#![allow(dead_code)]\nmod models;\n\npub static MIGRATOR: strata::Migrator = strata::embed_migrations!();\n' > src/lib.rs
rm -rf "$theirs" && mkdir -p "$theirs/src" "$theirs/migrations"
grep -v '^#\[derive(Model)\]$\|^ *#\[strata(\|^use strata::Model;$' src/models.rs > "$theirs/src/models.rs"
for d in migrations/*/; do
    n=$(basename "$d")
    cp "$d/up.sql" "$theirs/migrations/$n.up.sql"
    cp "$d/down.sql" "$theirs/migrations/$n.down.sql"
done
cd "$theirs"
manifest bench-overhead-sqlx 'sqlx = { version = "0.9", default-features = false, features = ["runtime-tokio", "sqlite", "migrate", "macros"] }' > Cargo.toml
printf '#![allow(dead_code)]\nmod models;\n\npub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();\n' > src/lib.rs
for c in "$mine" "$theirs"; do (cd "$c" && cargo build -q $flag); done   # dependencies, untimed

build_ms() { # crate dir, clean|touch
    local name
    name=$(basename "$1")
    if [ "$2" = clean ]; then
        (cd "$1" && cargo clean -q -p "$name" $flag && rm -rf "target/$profile/strata")
    else
        touch "$1/src/models.rs"
    fi
    echo $(( $(cd "$1" && once_us cargo build -q $flag) / 1000 ))
}
mc=() mt=() tc=() tt=()
for i in $(seq "$rounds"); do
    for side in $( (( i % 2 )) && echo "mine theirs" || echo "theirs mine"); do
        if [ "$side" = mine ]; then mc+=("$(build_ms "$mine" clean)"); mt+=("$(build_ms "$mine" touch)")
        else tc+=("$(build_ms "$theirs" clean)"); tt+=("$(build_ms "$theirs" touch)"); fi
    done
done
# The compiler's instructions (callgrind) for the rebuild after touching the models, which do
# not drift with the machine's load: the command cargo runs for the crate, run again under
# valgrind (`instructions` of project.sh).
compiler_instructions() { # crate dir
    local name command
    name=$(basename "$1" | tr - _)
    touch "$1/src/models.rs"
    command=$(cd "$1" && cargo build -vv $flag 2>&1 | sed -n "s/^ *Running \`\(.*--crate-name $name .*\)\`$/\1/p")
    touch "$1/src/models.rs"
    (cd "$1" && eval "${command/ \/*\/rustc / valgrind --tool=callgrind --callgrind-out-file=/dev/null $(rustc --print sysroot)/bin/rustc }" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
}
mi=$(compiler_instructions "$mine") ti=$(compiler_instructions "$theirs")
plus() { awk -v a="$(median_of "${@:2}")" -v b="$1" 'BEGIN { printf "%+.2f", (a - b) / 1000 }'; }
cd "$root"
{
    echo "\`bench/derive_overhead.sh $rounds${flag:+ $flag}${override:+ --optimised-macros}\`: $profile builds${override:+, proc macros optimised}, median (min-max) of $rounds alternating rounds; the overhead is the difference of the medians. Targets: +1.0 s clean, +0.3 s incremental."
    echo
    echo "| build | 200 derives + \`embed_migrations!\` | plain structs + \`sqlx::migrate!()\` | overhead |"
    echo "|---|---:|---:|---:|"
    echo "| clean (the crate alone) | $(stats "${mc[@]}") | $(stats "${tc[@]}") | $(plus "$(median_of "${tc[@]}")" "${mc[@]}") s |"
    echo "| after touching the models | $(stats "${mt[@]}") | $(stats "${tt[@]}") | $(plus "$(median_of "${tt[@]}")" "${mt[@]}") s |"
    echo "| the same, the compiler's instructions (callgrind) | $(awk -v a="$mi" 'BEGIN { printf "%.2f G", a / 1e9 }') | $(awk -v a="$ti" 'BEGIN { printf "%.2f G", a / 1e9 }') | $(awk -v a="$mi" -v b="$ti" 'BEGIN { printf "%+.2f G (%.2fx)", (a - b) / 1e9, a / b }') |"
} | tee /dev/stderr | record "derive-$profile$section_suffix"
