// Shared set-up for the browser tests: the static server, Chromium, and a harness page
// that loads the wasm package.
import { readFileSync, existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { before, after } from "node:test";
import { chromium } from "playwright-core";

import { startServer, STRICT_CSP } from "../../../examples/web-panel/serve.mjs";

export { STRICT_CSP };

export const EXAMPLE = fileURLToPath(new URL("../../../examples/web-panel/", import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
/** The npm package @icr-sdk/panel as the example installed it (served at PKG_URL). */
export const PKG = `${EXAMPLE}node_modules/@icr-sdk/panel/`;
export const PKG_URL = "/node_modules/@icr-sdk/panel/";

mkdirSync(ARTIFACTS, { recursive: true });

for (const needed of [`${PKG}icr_wasm_bg.wasm`, `${EXAMPLE}demo-summary.json`]) {
  if (!existsSync(needed)) {
    throw new Error(`${needed} is missing: run scripts/panel-tests.sh (it builds and installs it)`);
  }
}

/** The demo patient's summary JSON text, as `icr demo --json` printed it. */
export const DEMO_JSON = readFileSync(`${EXAMPLE}demo-summary.json`, "utf8");
export const DEMO = JSON.parse(DEMO_JSON);

export const SECTION_KEYS = [
  "alerts", "allergies", "medications", "problems", "investigations", "observations",
  "immunisations", "encounters", "appointments", "referrals", "procedures", "documents",
  "care-plans", "care-team", "contacts",
];

const HARNESS = `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>ICR panel harness</title>
<link rel="stylesheet" href="/harness.css"></head>
<body><main><h1>Harness</h1><p><a id="before" href="#host">Before the panel</a></p>
<div id="host"></div><p><a id="after" href="#host">After the panel</a></p></main></body></html>`;

// Hostile host CSS: none of it may reach into the panel's shadow root.
const HARNESS_CSS = `section, h2, h3, li, button, table, td, th, p { border: 4px dashed red !important;
  background: rgb(255, 0, 255) !important; display: inline !important; }
.icr-panel, .icr-banner { display: none !important; }`;

/**
 * Starts the server for the example folder plus two harness pages: /harness.html under
 * the strict CSP, /harness-nocsp.html with no CSP at all (so that an injected handler
 * would really run in the XSS battery).
 */
export async function serve() {
  return startServer({
    root: EXAMPLE,
    pages: {
      "/harness.html": { body: HARNESS },
      "/harness-nocsp.html": { body: HARNESS, csp: null },
      "/harness.css": { body: HARNESS_CSS, type: "text/css; charset=utf-8" },
    },
  });
}

/** Debian's Chromium, headless, with a fresh temporary profile (playwright's default). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Opens a harness page with the wasm package loaded as `window.icr` (the module's
 * exports) and records page errors, console messages and dialogs.
 */
export async function harness(browser, server, { csp = true, context = {} } = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...context });
  const page = await ctx.newPage();
  const seen = { errors: [], console: [], dialogs: [] };
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  page.on("console", (m) => seen.console.push(`${m.type()}: ${m.text()}`));
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.goto(`${server.url}/${csp ? "harness.html" : "harness-nocsp.html"}`);
  await page.evaluate(async (pkg) => {
    const m = await import(`${pkg}icr_wasm.js`);
    await m.default();
    window.icr = m;
  }, PKG_URL);
  return { page, ctx, seen };
}

/** Mounts a summary (JSON text) into #host; returns what the panel shows. */
export async function mount(page, json, options = {}) {
  return page.evaluate(
    ([json, options]) => {
      const host = document.getElementById("host");
      window.icr.mountPanel(host, json, options);
      const root = host.shadowRoot;
      return {
        sections: [...root.querySelectorAll("section[data-section]")].map((s) => s.dataset.section),
        items: root.querySelectorAll("[data-item-id]").length,
      };
    },
    [json, options],
  );
}

/**
 * The server and Chromium a test file shares: started before its first test and closed
 * after its last (node:test hooks registered here). `env.harness(options)` opens a
 * harness page on them, as `harness(browser, server, options)` does.
 */
export function sharedBrowser() {
  const env = {
    browser: null,
    server: null,
    harness: (options) => harness(env.browser, env.server, options),
  };
  before(async () => {
    env.server = await serve();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
