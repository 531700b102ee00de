#!/usr/bin/env bash
# Fuzzes icr-core's targets (icr-core/fuzz) with cargo-fuzz and libFuzzer on the stable
# toolchain, each for the given number of seconds, starting from its saved corpus.
#
#   scripts/fuzz.sh [seconds=60] [target ...]     (every target of `cargo fuzz list` when none is named)
#
# Fails on the first finding (a panic, a failed property, a timeout of 10 s for one input
# or more than 2 GB of memory) and names the input libFuzzer saved under
# icr-core/fuzz/artifacts/<target>/: fix the fault, then keep the input as a regression
# fixture in icr-core/fuzz/regressions/<target>/ (replayed by `cargo test` there).
#
# `--sanitizer none`: the SDK has no unsafe code (forbidden crate-wide), so AddressSanitizer
# would find nothing the Rust checks do not, at a third of the speed, and needs nightly.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi

cd icr-core/fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
flags=(--sanitizer none -O)
cargo fuzz build "${flags[@]}"

status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="$(mktemp)"
  echo "== fuzz $t for ${seconds}s"
  if cargo fuzz run "${flags[@]}" "$t" "corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="artifacts/$t/" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    corpus=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1 | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
    echo "fuzz $t: ${runs} runs, ${rate} exec/s, corpus ${corpus} (files/bytes), no finding"
  else
    status=1
    grep -E "panicked|ERROR|SUMMARY|Test unit written|timeout" "$log" | head -n 20
    echo "fuzz $t: FINDING (full log: $log)"
  fi
done
exit "$status"
