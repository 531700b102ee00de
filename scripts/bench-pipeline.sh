#!/usr/bin/env bash
# The whole pipeline on every file of the corpus (issue #17's measuring harness): per file
# and stage, interleaved in one process, against serde_json::Value and simd-json's
# borrowed parse of the same bytes, with allocations per item. Needs ICR_CORPUS (default
# ../shared/fhir-corpus); ICR_BENCH_ROUNDS sets the rounds (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
ICR_CORPUS="${ICR_CORPUS:-../shared/fhir-corpus}"
if [ ! -d "$ICR_CORPUS" ]; then
  echo "!! ICR_CORPUS ($ICR_CORPUS) is not a folder: nothing to measure" >&2
  exit 1
fi
ICR_CORPUS="$(cd "$ICR_CORPUS" && pwd)" exec cargo bench -q -p icr-core --bench pipeline
