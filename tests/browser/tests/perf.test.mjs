// Figures for the issue note: the panel's download size (gzipped wasm + JS glue) and the
// time from mountPanel to the first screenful and to the whole panel in Chromium, for the
// demo patient and for the largest GP Connect record of the corpus (when
// scripts/panel-tests.sh generated it). Reported, not asserted: a benchmark, not a timed
// test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

import { ARTIFACTS, DEMO_JSON, PKG, sharedBrowser } from "./helpers.mjs";

const SIZE_GOAL_KB = 250;
const MOUNT_GOAL_MS = 50;
const LARGE = `${ARTIFACTS}large-summary.json`;

const env = sharedBrowser();

test("the panel downloads in at most 250 KB gzipped (wasm + JS glue)", () => {
  const files = ["icr_wasm_bg.wasm", "icr_wasm.js", "icr-patient-summary.js"];
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const bytes = readFileSync(`${PKG}${f}`);
    const zipped = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += zipped;
    console.log(`MEASURE size ${f}: ${(bytes.length / 1024).toFixed(1)} KB, gzipped ${(zipped / 1024).toFixed(1)} KB`);
  }
  console.log(`MEASURE size total: ${(raw / 1024).toFixed(1)} KB, gzipped ${(gz / 1024).toFixed(1)} KB (goal <= ${SIZE_GOAL_KB} KB)`);
  assert.ok(gz <= SIZE_GOAL_KB * 1024, `gzipped ${gz} bytes`);
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Over `runs` mounts: the time from mountPanel to the first screenful (what mountPanel
 * rendered at once, styled and laid out) and to the whole panel (every part filled in,
 * `whenRendered()`, laid out).
 */
async function timeMount(page, json, runs) {
  return page.evaluate(
    async ([json, runs]) => {
      const host = document.getElementById("host");
      const first = [];
      const whole = [];
      let items = 0;
      for (let i = 0; i < runs; i++) {
        window.icr.unmount(host);
        await new Promise((r) => setTimeout(r, 0));
        const t0 = performance.now();
        const handle = window.icr.mountPanel(host, json, {});
        // Style and layout of what mountPanel put on screen: what the clinician sees.
        host.shadowRoot.querySelector(".icr-panel").getBoundingClientRect();
        document.body.offsetHeight;
        first.push(performance.now() - t0);
        await handle.whenRendered();
        host.shadowRoot.querySelector(".icr-panel").getBoundingClientRect();
        document.body.offsetHeight;
        whole.push(performance.now() - t0);
        items = host.shadowRoot.querySelectorAll("[data-item-id]").length;
      }
      return { first, whole, items, htmlKb: host.shadowRoot.innerHTML.length / 1024 };
    },
    [json, runs],
  );
}

function report(label, json, t) {
  console.log(
    `MEASURE mount ${label} (${t.items} items, ${t.htmlKb.toFixed(0)} KB HTML, ${(json.length / 1024).toFixed(0)} KB JSON): ` +
      `first screenful median ${median(t.first).toFixed(1)} ms (goal <= ${MOUNT_GOAL_MS} ms), ` +
      `whole panel median ${median(t.whole).toFixed(1)} ms, first run ${t.first[0].toFixed(1)} / ${t.whole[0].toFixed(1)} ms`,
  );
}

test("mountPanel to rendered: the demo patient", async () => {
  const { page, ctx } = await env.harness();
  const t = await timeMount(page, DEMO_JSON, 11);
  report("demo", DEMO_JSON, t);
  assert.ok(t.items > 40);
  await ctx.close();
});

test("mountPanel to rendered: the largest GP Connect record", async (t) => {
  if (!existsSync(LARGE)) {
    console.log("MEASURE mount largest GP Connect record: SKIPPED (ICR_CORPUS not set)");
    t.skip("ICR_CORPUS is not set: scripts/panel-tests.sh did not generate large-summary.json");
    return;
  }
  const json = readFileSync(LARGE, "utf8");
  const { page, ctx, seen } = await env.harness();
  const m = await timeMount(page, json, 11);
  report("largest GP Connect record (supplier_TPP_9465699896_full.json)", json, m);
  assert.ok(m.items > 100);
  assert.deepEqual(seen.errors, []);
  await ctx.close();
});
