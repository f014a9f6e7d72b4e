#!/usr/bin/env bash
# Fuzzes discovery and replay (`strata_schema::fuzzing::run`) for SECONDS (default 3600), with a
# corpus seeded from the real histories in ../shared/fixtures (when there) and from the made-up
# inputs of the property test. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). Honours CARGO_TARGET_DIR; runs from any checkout.
#   fuzz/run.sh [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-3600}"
corpus="$here/corpus/discover_replay"
mkdir -p "$corpus"
fixtures="$here/../../shared/fixtures"
if [ -d "$fixtures" ]; then
    # One input per history: the dialect byte, then each file as `name \0 content \0`.
    python3 - "$fixtures" "$corpus" <<'PY'
import os, sys, hashlib
fixtures, corpus = sys.argv[1], sys.argv[2]
dialects = {"sqlite": 0, "postgres": 1, "mysql": 2}
for root, dirs, files in os.walk(fixtures):
    d = os.path.basename(root)
    if d not in dialects:
        continue
    data = bytearray([dialects[d]])
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            path = os.path.join(dirpath, n)
            rel = os.path.relpath(path, root)
            if rel.count("/") > 1 or os.path.getsize(path) > 200_000:
                continue
            data += rel.encode() + b"\0" + open(path, "rb").read() + b"\0"
    data = bytes(data[:1_000_000])
    open(os.path.join(corpus, hashlib.sha1(data).hexdigest()), "wb").write(data)
PY
fi
cd "$here"
exec cargo +nightly fuzz run discover_replay "$corpus" -- -max_total_time="$seconds" -max_len=1048576 -timeout=30 -rss_limit_mb=4096
