// The packed npm package (@icr-sdk/panel, `npm pack` by scripts/panel-tests.sh) installed
// with npm into a clean temporary folder, the way a host installs it: its package.json,
// files and declarations, then a host page served from that folder (strict CSP, no
// bundler, the package's entry imported by URL) rendering the demo patient in Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { DEMO, DEMO_JSON, SECTION_KEYS, launch } from "./helpers.mjs";
import { startServer } from "../../../examples/web-panel/serve.mjs";

const TGZ =
  process.env.ICR_PANEL_TGZ ??
  fileURLToPath(new URL("../../../target/npm/icr-sdk-panel.tgz", import.meta.url));
const WORKSPACE_TOML = fileURLToPath(new URL("../../../Cargo.toml", import.meta.url));

// A host page with nothing inline (the CSP allows no inline script or style).
const INDEX = `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Clean host</title>
<script type="module" src="main.js"></script></head>
<body><main><h1>Clean host</h1><p id="status">loading</p>
<icr-patient-summary id="record"></icr-patient-summary></main></body></html>`;

const MAIN = `import { load, isIcrError } from "./node_modules/@icr-sdk/panel/icr-patient-summary.js";
const violations = [];
document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
window.violations = violations;
const record = document.getElementById("record");
const status = document.getElementById("status");
record.addEventListener("icr-rendered", () => { status.textContent = "rendered"; });
record.addEventListener("icr-error", (e) => {
  status.textContent = isIcrError(e.detail) ? "icr-error " + e.detail.kind : "other error";
});
const [response] = await Promise.all([fetch("./demo-summary.json"), load()]);
record.summary = await response.text();
`;

let dir;
before(() => {
  assert.ok(existsSync(TGZ), `${TGZ} is missing: run scripts/panel-tests.sh (npm pack)`);
  dir = mkdtempSync(join(tmpdir(), "icr-panel-host-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "clean-host", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", TGZ], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  writeFileSync(join(dir, "index.html"), INDEX);
  writeFileSync(join(dir, "main.js"), MAIN);
  writeFileSync(join(dir, "demo-summary.json"), DEMO_JSON);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const installed = () => join(dir, "node_modules", "@icr-sdk", "panel");

test("the package installs with its declared files, exports and the workspace version", () => {
  const pkg = JSON.parse(readFileSync(join(installed(), "package.json"), "utf8"));
  const toml = readFileSync(WORKSPACE_TOML, "utf8");
  const version = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(toml)?.[1];
  assert.equal(pkg.name, "@icr-sdk/panel");
  assert.equal(pkg.version, version);
  assert.equal(pkg.type, "module");
  assert.deepEqual(Object.keys(pkg.exports["."]), ["types", "default"]);
  for (const target of [pkg.exports["."].types, pkg.exports["."].default, pkg.types]) {
    assert.ok(existsSync(join(installed(), target)), target);
  }
  // Exactly the declared files (plus package.json): no build folders, no sources.
  const present = readdirSync(installed()).sort();
  assert.deepEqual(present, [...pkg.files, "package.json"].sort());
  const summaryDts = readFileSync(join(installed(), "summary.d.ts"), "utf8");
  for (const name of ["PatientSummary", "SummarySection", "Entry", "Banner", "SourceView", "RiskBlock", "Trend"]) {
    assert.match(summaryDts, new RegExp(`export interface ${name} \\{`), name);
  }
  assert.match(summaryDts, /export type Detail =/);
  assert.match(summaryDts, /schema_version: \d+;/);
  assert.doesNotMatch(summaryDts, /\[k: string\]: unknown/, "no index signatures: exact types");
});

test("the installed package renders the demo patient in Chromium under a strict CSP", async () => {
  const server = await startServer({ root: dir });
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => document.getElementById("status").textContent !== "loading");
    const shown = await page.evaluate(async () => {
      const root = document.getElementById("record").shadowRoot;
      const m = await import("./node_modules/@icr-sdk/panel/icr-patient-summary.js");
      return {
        status: document.getElementById("status").textContent,
        name: root.querySelector("[data-field=patient-name]")?.textContent,
        nhs: root.querySelector("[data-field=nhs-number]")?.textContent,
        sections: [...root.querySelectorAll("section[data-section]")].map((s) => s.dataset.section),
        items: root.querySelectorAll("[data-item-id]").length,
        banner: getComputedStyle(root.querySelector(".icr-banner")).backgroundColor,
        exports: Object.keys(m).sort(),
        violations: window.violations,
      };
    });
    assert.equal(shown.status, "rendered");
    assert.equal(shown.name, "THORNTON, Margaret Ann (Mrs)");
    assert.equal(shown.nhs, "999 000 0026");
    assert.deepEqual(shown.sections, SECTION_KEYS);
    assert.equal(shown.items, DEMO.sections.reduce((n, s) => n + s.items.length, 0));
    assert.equal(shown.banner, "rgb(0, 94, 184)", "the panel's own stylesheet applies");
    assert.deepEqual(shown.violations, []);
    assert.deepEqual(errors, []);
    // What index.d.ts declares is what the module exports at run time.
    const dts = readFileSync(join(installed(), "index.d.ts"), "utf8");
    const declared = [...dts.matchAll(/^export (?:function|class|const) (\w+)/gm)].map((m) => m[1]).sort();
    assert.deepEqual(shown.exports, declared);
  } finally {
    await browser.close();
    await server.close();
  }
});
