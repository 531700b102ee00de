#!/usr/bin/env bash
# Runs every test of the ICR SDK: format, lints, unit and whole-flow tests (with the FHIR
# corpus when ICR_CORPUS is set). Installs what it needs, so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

if [ -z "${ICR_CORPUS:-}" ]; then
  echo "!! ICR_CORPUS is not set: the corpus conformance tests will be SKIPPED." >&2
  echo "!! Set ICR_CORPUS=../shared/fhir-corpus (as .ci/run does) to run them." >&2
elif [ ! -d "$ICR_CORPUS" ]; then
  echo "ICR_CORPUS=$ICR_CORPUS is not a directory" >&2
  exit 1
else
  # Tests run in their package's folder: make the path absolute first.
  ICR_CORPUS="$(cd "$ICR_CORPUS" && pwd)"
  export ICR_CORPUS
fi

step "toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "PostgreSQL for the region tests (they start their own server on loopback)"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "${ICR_PG_BIN:-}" ]; then
  echo "initdb is missing: installing Debian's postgresql"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
ls -d /usr/lib/postgresql/*/bin 2>/dev/null || echo "ICR_PG_BIN=$ICR_PG_BIN"

step "cargo fmt --check"
cargo fmt --all -- --check

step "hazard controls still where scripts/hazard-controls.sh removes them (a moved control fails here)"
HAZARD_CONTROLS_FIND_ONLY=1 scripts/hazard-controls.sh

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

results="$(mktemp)"
trap 'rm -f "$results"' EXIT

step "FHIR validator for the FHIR documents (Medplum, from npm: tests/fhir-validate), and its own tests"
npm ci --prefix tests/fhir-validate --no-audit --no-fund
(cd tests/fhir-validate && npm test) 2>&1 | tee -a "$results"

step "cargo test (unit, doc and whole-flow tests)"
cargo test --workspace 2>&1 | tee -a "$results"

step "fuzz targets: saved corpora and regression inputs replayed (icr-core/fuzz)"
(cd icr-core/fuzz && cargo fmt -- --check && cargo clippy --all-targets -- -D warnings \
  && cargo test --release -- --nocapture) 2>&1 | tee -a "$results"

step "a production build carries no demo: the published demo key is in the icr command's binary and not in icr-ffi's default library"
cargo build --quiet -p icr-ffi --lib
cargo build --quiet -p icr
seed='ICR SDK demo key: NOT A SECRET!!'
grep -qaF "$seed" "${CARGO_TARGET_DIR:-target}/debug/icr" || { echo "the check is blind: no demo key in the icr command" >&2; exit 1; }
if grep -qaF "$seed" "${CARGO_TARGET_DIR:-target}/debug/libicr_ffi.so"; then
  echo "the demo signing key is in icr-ffi's production library" >&2; exit 1
fi
echo "ok: the demo key is only where the demo feature is on"
# The browser panel builds icr-core without the trust core or fetching: it only renders
# the summaries it is given, so no HTTP client, async runtime or signing crate reaches it.
# (icr-ffi carries the HTTP client since the bindings export fetching.)
cargo tree -q -p icr-wasm -e normal -i icr-core 2>/dev/null | grep -q . \
  || { echo "the check is blind: icr-wasm's tree has no icr-core" >&2; exit 1; }
for crate in reqwest tokio ring; do
  if cargo tree -q -p icr-wasm -e normal -i "$crate" 2>/dev/null | grep -q .; then
    echo "the browser panel (icr-wasm) depends on $crate" >&2; exit 1
  fi
done
echo "ok: the browser panel carries no HTTP client, async runtime or signing crate"

step "icr demo runs"
cargo run --quiet -p icr -- demo --as-of 2026-11-25 > /dev/null

step "fetching over HTTP with a third-party FHIR server (Medplum) on loopback"
scripts/fetch-tests.sh 2>&1 | tee -a "$results"

step "native hosts: Python (pytest), Java 17 and C# (mono) through uniffi"
scripts/ffi-tests.sh 2>&1 | tee -a "$results"

step "patient summary panel: wasm build and headless Chromium tests"
scripts/panel-tests.sh 2>&1 | tee -a "$results"

# One closing line for the whole run, summed over every test binary and language.
# cargo's "test result:" lines, node's "pass N" / "fail N" (TAP "#" or spec "ℹ"), and pytest's "N passed in Ts", and the plain "N passed, N failed"
# lines of the host-language runners.
passed=$(awk '/^test result:/ {for (i=1;i<=NF;i++) if ($i ~ /^passed;?$/) s+=$(i-1)}
              ($1 == "#" || $1 == "ℹ") && $2 == "pass" && $3 ~ /^[0-9]+$/ {s+=$3}
              /^[0-9]+ passed, [0-9]+ failed/ {s+=$1}
              /^[0-9]+ passed in [0-9.]+s$/ {s+=$1}
              END {print s+0}' "$results")
failed=$(awk '/^test result:/ {for (i=1;i<=NF;i++) if ($i ~ /^failed;?$/) s+=$(i-1)}
              ($1 == "#" || $1 == "ℹ") && $2 == "fail" && $3 ~ /^[0-9]+$/ {s+=$3}
              /^[0-9]+ passed, [0-9]+ failed/ {s+=$3}
              END {print s+0}' "$results")
echo
echo "all tests passed"
echo "$passed passed, $failed failed"
