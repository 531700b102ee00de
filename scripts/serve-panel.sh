#!/usr/bin/env bash
# Serves the web panel example on http://127.0.0.1:${PORT:-8080}/ with a strict
# Content-Security-Policy. Builds the panel's npm package (installed into the example)
# and the demo summary first when they are missing (scripts/panel-tests.sh does too).
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLE=examples/web-panel
if [ ! -f "$EXAMPLE/node_modules/@icr-sdk/panel/icr_wasm_bg.wasm" ] || [ ! -f "$EXAMPLE/demo-summary.json" ]; then
  PANEL_BUILD_ONLY=1 scripts/panel-tests.sh
fi
exec node "$EXAMPLE/serve.mjs" "${PORT:-8080}"
