// Trends drawn inline (the demo patient's eGFR, HbA1c and blood pressure, each chart with
// a table of the same points) and the panel shown a part at a time (first screenful at
// once, the rest filled in; search, filter and printing act on the whole record).
import { test } from "node:test";
import assert from "node:assert/strict";

import { ARTIFACTS, DEMO, DEMO_JSON, sharedBrowser } from "./helpers.mjs";

const env = sharedBrowser();
const TOTAL = DEMO.sections.reduce((n, s) => n + s.items.length, 0);

test("the demo's eGFR, HbA1c and blood pressure trends are drawn with their tables", async () => {
  const { page, ctx, seen } = await env.harness();
  const figures = await page.evaluate((json) => {
    const host = document.getElementById("host");
    window.icr.mountPanel(host, json, {});
    const root = host.shadowRoot;
    return [...root.querySelectorAll("figure[data-trend]")].map((f) => {
      const svg = f.querySelector("svg[role=img]");
      const name = svg && root.getElementById(svg.getAttribute("aria-labelledby"));
      return {
        key: f.dataset.trend,
        focusable: svg?.getAttribute("tabindex") === "0",
        name: name?.textContent ?? "",
        marks: [...f.querySelectorAll("svg g[data-point]")].map((g) => g.dataset.point),
        rows: [...f.querySelectorAll("tbody tr")].map((r) => ({
          point: r.dataset.point,
          plotted: r.dataset.plotted === "true",
          value: r.querySelector("[data-field=value]").textContent,
        })),
        width: svg?.getBoundingClientRect().width ?? 0,
      };
    });
  }, DEMO_JSON);
  for (const quantity of ["egfr", "hba1c", "blood-pressure"]) {
    const trend = DEMO.trends.find((t) => t.quantity === quantity);
    assert.ok(trend, `the demo summary has a ${quantity} trend`);
    const f = figures.find((x) => x.key.startsWith(`${quantity}-`));
    assert.ok(f, `a figure for ${quantity}`);
    assert.ok(f.focusable && f.width > 100, `${quantity}: a focusable chart on screen`);
    assert.ok(f.name.startsWith(trend.title) && f.name.includes(trend.latest), f.name);
    assert.equal(f.rows.length, trend.points.length, `${quantity}: a row per point`);
    assert.deepEqual(
      f.marks,
      f.rows.filter((r) => r.plotted).map((r) => r.point),
      `${quantity}: the chart draws the rows marked drawn`,
    );
    assert.deepEqual(f.rows.map((r) => r.value), trend.points.map((p) => p.shown));
  }
  await page.evaluate(() => {
    document.getElementById("host").shadowRoot.querySelector(".icr-trends").scrollIntoView();
  });
  const block = await page.evaluateHandle(() => document.getElementById("host").shadowRoot.querySelector(".icr-trends"));
  await block.asElement().screenshot({ path: `${ARTIFACTS}trends.png` });
  assert.deepEqual(seen.errors, []);
  await ctx.close();
});

test("a large record shows its first sections at once and fills in the rest", async () => {
  const { page, ctx, seen } = await env.harness();
  const r = await page.evaluate(async (json) => {
    const host = document.getElementById("host");
    const handle = window.icr.mountPanel(host, json, { eagerItems: 5 });
    const root = host.shadowRoot;
    const first = {
      pending: root.querySelectorAll("[data-icr-pending]").length,
      items: root.querySelectorAll("[data-item-id]").length,
      headings: root.querySelectorAll("section[data-section] h3").length,
      rendered: root.querySelector(".icr-panel").hasAttribute("data-icr-rendered"),
    };
    await handle.whenRendered();
    return {
      first,
      after: {
        pending: root.querySelectorAll("[data-icr-pending]").length,
        items: root.querySelectorAll("[data-item-id]").length,
        rendered: root.querySelector(".icr-panel").hasAttribute("data-icr-rendered"),
        trends: root.querySelectorAll("figure[data-trend]").length,
      },
      again: await handle.whenRendered().then(() => "resolved"),
    };
  }, DEMO_JSON);
  assert.ok(r.first.pending > 3, `parts left for later: ${r.first.pending}`);
  assert.ok(r.first.items < TOTAL, `${r.first.items} items at once`);
  assert.equal(r.first.headings, 15, "every section's heading at once");
  assert.equal(r.first.rendered, false);
  assert.deepEqual(r.after, { pending: 0, items: TOTAL, rendered: true, trends: DEMO.trends.length });
  assert.equal(r.again, "resolved");
  assert.deepEqual(seen.errors, []);
  await ctx.close();
});

test("search and printing act on the whole record while parts are still to come", async () => {
  const { page, ctx } = await env.harness();
  const r = await page.evaluate((json) => {
    const host = document.getElementById("host");
    window.icr.mountPanel(host, json, { eagerItems: 5 });
    const root = host.shadowRoot;
    const search = root.querySelector("[data-icr-search]");
    search.value = "";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    const searched = {
      pending: root.querySelectorAll("[data-icr-pending]").length,
      status: root.querySelector("[data-icr-status]").textContent,
    };
    window.icr.mountPanel(host, json, { eagerItems: 5 });
    const before = host.shadowRoot.querySelectorAll("[data-icr-pending]").length;
    window.dispatchEvent(new Event("beforeprint"));
    return {
      searched,
      before,
      printed: host.shadowRoot.querySelectorAll("[data-icr-pending]").length,
      items: host.shadowRoot.querySelectorAll("[data-item-id]").length,
    };
  }, DEMO_JSON);
  assert.deepEqual(r.searched, { pending: 0, status: `Showing all ${TOTAL} items` });
  assert.ok(r.before > 0);
  assert.equal(r.printed, 0);
  assert.equal(r.items, TOTAL);
  await ctx.close();
});

test("unmounting while parts are to come stops filling in", async () => {
  const { page, ctx, seen } = await env.harness();
  const r = await page.evaluate(async (json) => {
    const host = document.getElementById("host");
    window.icr.mountPanel(host, json, { eagerItems: 5 });
    window.icr.unmount(host);
    await new Promise((done) => setTimeout(done, 100));
    return host.shadowRoot.innerHTML.length;
  }, DEMO_JSON);
  assert.equal(r, 0);
  assert.deepEqual(seen.errors, []);
  await ctx.close();
});
