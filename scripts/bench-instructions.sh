#!/usr/bin/env bash
# The pipeline harness's stages counted in instructions (callgrind), per slice: a figure
# that does not move with the machine's load, so two builds compare on a shared machine
# where the timed harness (scripts/bench-pipeline.sh) swings by a tenth between runs.
# Counted per slice, over ICR_BENCH_PROFILE_ROUNDS rounds (default 3) of every file:
# `value` (serde_json::Value), `ingest`, `summarise` (ingest + merge + audited summary:
# the pipeline) and `view0` (an audited view of no items). Instructions are not time
# (cache misses and the CPU's width differ): read them beside the timed ratios.
#
#   scripts/bench-instructions.sh                 # this checkout's build
#   scripts/bench-instructions.sh OLD_BIN NEW_BIN # prebuilt harness binaries, side by side
#
# Needs valgrind and ICR_CORPUS (default ../shared/fhir-corpus); ICR_BENCH_SLICES as for
# the timed harness.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/corpus-folder.sh
if ! command -v valgrind >/dev/null; then
  echo "!! valgrind is not installed (apt-get install valgrind): nothing counted" >&2
  exit 1
fi
export ICR_BENCH_PROFILE_ROUNDS="${ICR_BENCH_PROFILE_ROUNDS:-3}"
if [ "$#" -eq 0 ]; then
  # One build; its messages name the harness binary (the build's errors still show).
  bin=$(cargo bench -q -p icr-core --bench pipeline --no-run --message-format=json |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
  set -- "$bin"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() { # binary slice stage -> instructions of the stage
  ICR_BENCH_SLICES="$2" ICR_BENCH_PROFILE="$3" valgrind --tool=callgrind \
    --toggle-collect='pipeline::profile_stage*' --callgrind-out-file="$out/cg" \
    "$1" --bench >/dev/null 2>&1
  callgrind_annotate "$out/cg" >"$out/annotated" 2>/dev/null
  awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }' "$out/annotated"
}
printf '%-10s %-8s %15s %15s %15s %15s %11s\n' slice build value ingest summarise view0 'summ/value'
for slice in ${ICR_BENCH_SLICES:-gpconnect synthea ukcore hl7-r4}; do
  slice=${slice//,/ }
  n=0
  for bin in "$@"; do
    n=$((n + 1))
    v=$(count "$bin" "$slice" value)
    i=$(count "$bin" "$slice" ingest)
    s=$(count "$bin" "$slice" summarise)
    z=$(count "$bin" "$slice" view0)
    printf '%-10s %-8s %15s %15s %15s %15s %10sx\n' "$slice" "#$n" "$v" "$i" "$s" "$z" \
      "$(awk -v s="$s" -v v="$v" 'BEGIN { printf "%.3f", s / v }')"
  done
done
