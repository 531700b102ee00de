#!/usr/bin/env bash
# The whole pipeline on every file of the corpus (issue #17's measuring harness): per file
# and stage, interleaved in one process, against serde_json::Value and simd-json's
# borrowed parse of the same bytes, with allocations per item. Needs ICR_CORPUS (default
# ../shared/fhir-corpus); ICR_BENCH_ROUNDS sets the rounds (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/corpus-folder.sh
exec cargo bench -q -p icr-core --bench pipeline
