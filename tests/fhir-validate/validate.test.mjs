// Self-test of validate.mjs on its fixtures: `npm test` (node --test) in this folder.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const run = (args, input) => {
  const r = spawnSync(process.execPath, ["validate.mjs", ...args], { cwd: here, input, encoding: "utf8" });
  return { status: r.status, lines: r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)), stderr: r.stderr };
};

test("the valid document passes with no issue", () => {
  const { status, lines } = run(["fixtures/valid-document.json"]);
  assert.equal(status, 0);
  assert.deepEqual(lines, [{ file: "fixtures/valid-document.json", resources: 4, errors: [], warnings: [] }]);
});

test("the invalid document fails, with each of its faults", () => {
  const { status, lines } = run(["fixtures/invalid-document.json"]);
  assert.equal(status, 1);
  const found = lines[0].errors.map((e) => `${e.check} ${e.entry} ${e.expression}: ${e.message}`);
  const expected = [
    /^medplum 2 Condition\.subject: Missing required property$/,
    /^medplum 2 Condition\.onset\[x\]: Invalid dateTime value$/,
    /^binding 0 Composition\.status: "done" is not in the required value set http:\/\/hl7\.org\/fhir\/ValueSet\/composition-status$/,
    /^binding 2 Condition\.clinicalStatus: .*condition-clinical#current is in/,
    /^reference 2 Condition\.encounter: .* resolves to entry 1, a Patient; expected Encounter$/,
    /^reference 2 Condition\.recorder: reference urn:uuid:\S+f98 does not resolve to any entry.s fullUrl in the Bundle$/,
    /^reference 0 Composition\.section\[0\]\.entry\[1\]: reference urn:uuid:\S+f99 does not resolve to any entry.s fullUrl/,
    /^narrative 0 Composition\.text\.div: .*the entity &nbsp;/,
    /^narrative 0 Composition\.section\[0\]\.text\.div: the narrative does not start with '<div xmlns=/,
    /^narrative 1 Patient\.text\.div: .*event handler onclick/,
    /^narrative 1 Patient\.text\.div: .*<script>/,
    /^narrative 2 Condition\.text\.div: the narrative is not well-formed XML: <\/p> where <\/br> was expected/,
  ];
  for (const re of expected) assert.ok(found.some((f) => re.test(f)), `no error matches ${re}:\n${found.join("\n")}`);
});

test("a document whose first entry is not a Composition fails", () => {
  const doc = { resourceType: "Bundle", type: "document", identifier: { system: "urn:ietf:rfc:3986", value: "urn:uuid:1" },
    timestamp: "2026-01-01T00:00:00Z", entry: [{ fullUrl: "urn:uuid:2", resource: { resourceType: "Patient" } }] };
  const { status, lines } = run(["-"], JSON.stringify(doc));
  assert.equal(status, 1);
  assert.ok(lines[0].errors.some((e) => /Composition/.test(e.message)), JSON.stringify(lines[0].errors));
});

test("bad usage, an unreadable file and invalid JSON exit with 2", () => {
  assert.equal(run([]).status, 2);
  assert.equal(run(["--no-such-option", "x.json"]).status, 2);
  const missing = run(["fixtures/no-such-file.json", "fixtures/valid-document.json"]);
  assert.equal(missing.status, 2);
  assert.match(missing.lines[0].fatal, /cannot read/);
  assert.equal(missing.lines[1].errors.length, 0);
  const notJson = run(["-"], "{");
  assert.equal(notJson.status, 2);
  assert.match(notJson.lines[0].fatal, /not JSON/);
});
