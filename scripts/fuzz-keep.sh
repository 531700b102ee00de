#!/usr/bin/env bash
# Keeps what a fuzzing run found, small: for each target, the inputs under the size limit
# in icr-core/fuzz/corpus/<target>/ (seeds, saved inputs and whatever the fuzzer added)
# are merged by libFuzzer into the fewest that reach the same coverage edges
# (`-merge=1 -use_counters=0`), and these replace every input there but the seeds
# (`seed-*`, written by `cargo run --example seed-corpus`). Commit the result: the test
# command replays it.
#
#   scripts/fuzz-keep.sh [max-bytes=16384] [target ...]    (after scripts/fuzz.sh)
#
# ingest is kept at 6 KiB and below whatever the limit: its seeds are the demo sources,
# and larger mutants of them would make the corpus hundreds of megabytes.
set -euo pipefail
cd "$(dirname "$0")/../icr-core/fuzz"

limit="${1:-16384}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
bin=target/x86_64-unknown-linux-gnu/release
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for t in "${targets[@]}"; do
  [ -x "$bin/$t" ] || { echo "fuzz-keep: $bin/$t not built (run scripts/fuzz.sh first)" >&2; exit 2; }
  max=$limit
  if [ "$t" = ingest ] && [ "$max" -gt 6144 ]; then max=6144; fi
  mkdir -p "$work/$t/in" "$work/$t/out"
  find "corpus/$t" -type f -size "-$((max + 1))c" -exec cp -t "$work/$t/in" {} +
  "$bin/$t" -merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=10 \
    "$work/$t/out" "$work/$t/in" >"$work/$t.log" 2>&1
  find "corpus/$t" -type f ! -name 'seed-*' -delete
  cp "$work/$t/out"/* "corpus/$t/" 2>/dev/null || true
  echo "fuzz-keep $t: $(ls "$work/$t/in" | wc -l) inputs of at most $max bytes -> $(ls "$work/$t/out" | wc -l) kept ($(du -sb "$work/$t/out" | cut -f1) bytes), $(grep -o '[0-9]* new coverage edges' "$work/$t.log" | tail -n 1)"
done
