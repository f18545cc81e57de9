// The page in real headless Chromium (Debian's /usr/bin/chromium through playwright-core), served
// by serve.mjs from dist/ exactly as `npm run web` serves it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { render, renderPhase } from "shiftplan";
import { openBrowser, openPage } from "./browser.js";

const fixturePath = new URL("fixtures/rename-column.plan.json", import.meta.url).pathname;
const fixture = JSON.parse(readFileSync(fixturePath, "utf8"));
const screenshots = new URL("../test-results/", import.meta.url).pathname;
mkdirSync(screenshots, { recursive: true });

let session;
before(async () => {
  session = await openBrowser();
});
after(async () => {
  await session?.close();
});

/** Waits until the page has an answer from the planner (a plan or an error). */
async function planSettled(page) {
  await page.waitForFunction(() => ["ready", "error"].includes(document.body.dataset.planState));
}

async function openFixture(page, plan = fixture, name = "rename-column.plan.json") {
  await planSettled(page);
  await page.setInputFiles("#open-plan", { name, mimeType: "application/json", buffer: Buffer.from(JSON.stringify(plan)) });
  await page.waitForFunction((n) => document.body.dataset.planSource === n, name);
  await page.evaluate(() => document.querySelectorAll(".toast").forEach((t) => t.remove()));
}

test("the page loads from 127.0.0.1 only, under its Content-Security-Policy, with no violation", async () => {
  const { page, context, problems, offline } = await openPage(session);
  const response = await page.request.get(session.url);
  const policy = response.headers()["content-security-policy"];
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(policy, /'unsafe-eval'|'unsafe-inline'/);
  await planSettled(page);
  // The editors are real CodeMirror editors holding the first example.
  assert.equal(await page.locator("#editor-before .cm-content").count(), 1);
  assert.match(await page.locator("#editor-before .cm-content").innerText(), /CREATE TABLE public\.users/);
  assert.match(await page.locator("#footer").innerText(), /shiftplan \d+\.\d+\.\d+/);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  assert.deepEqual(offline, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test("every example loads into the editors and the hints", async () => {
  const { page, context, problems } = await openPage(session);
  const keys = JSON.parse(readFileSync(new URL("../examples/index.json", import.meta.url), "utf8"));
  assert.equal(keys.length, 5);
  for (const key of keys) {
    await page.selectOption("#example-select", key);
    const before = readFileSync(new URL(`../examples/${key}/before.sql`, import.meta.url), "utf8");
    await page.waitForFunction((k) => document.body.dataset.example === k, key);
    const firstLine = before.split("\n")[0];
    assert.match(await page.locator("#editor-before .cm-content").innerText(), new RegExp(firstLine.replace(/[().*]/g, "\\$&")));
    const hints = JSON.parse(readFileSync(new URL(`../examples/${key}/hints.json`, import.meta.url), "utf8"));
    const rows = (hints.renames?.length ?? 0) + (hints.backfill?.length ?? 0) + (hints.transforms?.length ?? 0);
    assert.equal(await page.locator(".hint-row").count(), rows, key);
    await planSettled(page);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("a plan shows its phases as a timeline with checkpoints, steps with SQL, rollback, lock and hazards", async () => {
  const { page, context, problems } = await openPage(session);
  await openFixture(page);
  const phases = await page.locator("#timeline .phase").evaluateAll((els) => els.map((e) => e.dataset.phase));
  assert.deepEqual(phases, ["expand", "dual_write", "backfill", "contract"]);
  assert.match(await page.locator('.checkpoint[data-before="contract"]').textContent(), /Deploy before contract: every application instance reads and writes public\.users\.name/);
  assert.equal(await page.locator("#plan-step-count").textContent(), "8");
  assert.match(await page.locator("#plan-safety").textContent(), /Dangerous/);
  const s8 = page.locator("#step-s8");
  assert.match(await s8.locator(".sql").textContent(), /ALTER TABLE public\.users DROP COLUMN fullname/);
  assert.match(await s8.locator(".badge.lock").textContent(), /ACCESS EXCLUSIVE·instant·public\.users/);
  assert.match(await s8.locator(".hazard-dangerous").textContent(), /drop-column.*deletes its data.*What to do: Deploy code/);
  assert.match(await s8.textContent(), /No statement can undo this step/);
  // Cards far down the page are not laid out until scrolled to (content-visibility), so these
  // checks read textContent.
  const s2 = page.locator("#step-s2");
  await s2.locator(".rollback summary").click();
  assert.match(await s2.locator(".rollback .sql").first().textContent(), /DROP TRIGGER users_sync_fullname_name ON public\.users/);
  assert.match(await s2.locator(".hazard-careful").textContent(), /trigger-on-existing-table/);
  // SQL is highlighted (when its card comes near the screen): keywords are spans with a class.
  await s8.scrollIntoViewIfNeeded();
  await s8.locator(".sql .tok-keyword").first().waitFor();
  assert.ok((await s8.locator(".sql .tok-keyword").count()) >= 3);
  assert.match(await page.locator("#plan-summary").textContent(), /Planned forPostgreSQL 15.*Proven onPostgreSQL 18 \(PGlite\)/);
  await page.locator(".plan-card").screenshot({ path: `${screenshots}plan.png` });
  assert.deepEqual(problems, []);
  await context.close();
});

test("the dependency graph draws a node per step, an edge per dependency, a lane per phase", async () => {
  const { page, context, problems } = await openPage(session);
  await openFixture(page);
  await page.click("#tab-graph");
  const graph = page.locator("#dependency-graph");
  const steps = fixture.phases.flatMap((p) => p.steps);
  assert.equal(await graph.locator(".node").count(), steps.length);
  // One edge per dependency that no other path implies: the fixture is a chain, s1 → s2 → … → s8.
  assert.deepEqual(
    await graph.locator(".edge").evaluateAll((edges) => edges.map((e) => `${e.dataset.from}→${e.dataset.to}`)),
    steps.slice(1).map((s, i) => `${steps[i].id}→${s.id}`),
  );
  assert.deepEqual(await graph.locator(".lane-title").allTextContents(), ["1  Expand", "2  Dual write", "3  Backfill", "4  Contract"]);
  assert.equal(await graph.locator(".deploy-badge").count(), 1); // only contract needs a deploy first
  // Every edge points forward: down inside a lane, or right into a later lane.
  const backwards = await graph.locator(".edge").evaluateAll((edges) =>
    edges.filter((e) => {
      // "M x1 y1 C c1x c1y, c2x c2y, x2 y2"
      const parts = e.getAttribute("d").split(/[ ,]+/).map(Number);
      const [x1, y1, x2, y2] = [parts[1], parts[2], parts[8], parts[9]];
      return !(x2 > x1 || y2 > y1);
    }).length,
  );
  assert.equal(backwards, 0);
  await page.locator("#panel-graph").screenshot({ path: `${screenshots}graph.png` });
  // Clicking a node opens the step's card.
  await graph.locator('.node[data-step-id="s5"]').click();
  assert.equal(await page.locator("#panel-plan").isVisible(), true);
  await page.waitForFunction(() => document.activeElement?.id === "step-s5");
  assert.deepEqual(problems, []);
  await context.close();
});

test("Prove runs the plan on PGlite and every step passes", async () => {
  const { page, context, problems } = await openPage(session);
  await openFixture(page);
  await page.click("#tab-prove");
  assert.match(await page.locator("#prove-version-note").innerText(), /targets PostgreSQL 15; PGlite is PostgreSQL 18, so this proves the plan on 18/);
  await page.fill("#prove-rows", "40");
  await page.click("#prove-button");
  await page.waitForSelector(".verdict-pass, .verdict-fail", { timeout: 120000 });
  assert.match(await page.locator("#prove-verdict").innerText(), /^Proven on PostgreSQL 18\.\d+ \(PGlite\): 8 of 8 steps passed.*40 sample rows/);
  const apply = await page.locator("#prove-apply tbody tr[data-step-id]").evaluateAll((rows) =>
    rows.map((r) => [r.dataset.stepId, r.querySelector(".state").textContent, r.cells[4].textContent]),
  );
  assert.equal(apply.length, 8);
  for (const [id, state, time] of apply) {
    assert.equal(state, "passed", id);
    assert.match(time, /^\d+(\.\d)? ms$/, id);
  }
  const rollback = await page.locator('#prove-rollback tbody tr[data-run="rollback"]').evaluateAll((rows) => rows.map((r) => r.dataset.stepId));
  assert.deepEqual(rollback, ["s6", "s5", "s4", "s3", "s2", "s1"]);
  // Four sync checks (the example's rename hint: an update and an insert through each name), the
  // forward catalog, the rollback's catalog and rows.
  assert.equal(await page.locator("#prove-checks .check-ok").count(), 7);
  assert.equal(await page.locator("#prove-checks .check-failed").count(), 0);
  await page.locator("#panel-prove").screenshot({ path: `${screenshots}prove.png` });
  assert.deepEqual(problems, []);
  await context.close();
});

test("Prove shows the failing step and its PostgreSQL error when a plan is wrong", async () => {
  const { page, context } = await openPage(session);
  const broken = structuredClone(fixture);
  broken.phases[2].steps = broken.phases[2].steps.filter((s) => s.id !== "s3");
  await openFixture(page, broken, "broken.plan.json");
  await page.click("#tab-prove");
  await page.fill("#prove-rows", "5");
  await page.click("#prove-button");
  await page.waitForSelector(".verdict-pass, .verdict-fail", { timeout: 120000 });
  assert.match(await page.locator("#prove-verdict").innerText(), /^Not proven: step s5 \(backfill: validate users_name_not_null\) failed: .*users_name_not_null/);
  const failed = page.locator('#prove-apply tr.row-failed');
  assert.equal(await failed.getAttribute("data-step-id"), "s5");
  assert.match(await page.locator("#prove-apply .error-row:not([hidden])").innerText(), /users_name_not_null/);
  assert.equal(await page.locator('#prove-apply tr[data-step-id="s8"] .state').innerText(), "SKIPPED");
  await context.close();
});

test("the files of `shiftplan plan --out-dir`, the SQL script and the Markdown report download as the package renders them", async () => {
  const { page, context, problems } = await openPage(session);
  await openFixture(page);
  await page.click("#downloads-button");
  const names = await page.locator(".download-item").evaluateAll((items) => items.map((i) => i.dataset.file));
  assert.deepEqual(names, [
    "plan.json", "migration.sql",
    "01-expand.up.sql", "01-expand.down.sql", "02-dual_write.up.sql", "02-dual_write.down.sql",
    "03-backfill.up.sql", "03-backfill.down.sql", "04-contract.up.sql", "04-contract.down.sql",
    "plan.md",
  ]);
  const download = async (name) => {
    if (!(await page.locator(".download-list").isVisible())) await page.click("#downloads-button");
    const [file] = await Promise.all([page.waitForEvent("download"), page.click(`.download-item[data-file="${name}"]`)]);
    assert.equal(file.suggestedFilename(), name);
    return readFileSync(await file.path(), "utf8");
  };
  assert.deepEqual(JSON.parse(await download("plan.json")), fixture);
  const script = await download("migration.sql");
  assert.equal(script, render(fixture, "sql"));
  assert.match(script, /ALTER TABLE public\.users ADD COLUMN name text;[\s\S]*ALTER TABLE public\.users DROP COLUMN fullname;/);
  const up = await download("02-dual_write.up.sql");
  assert.equal(up, renderPhase(fixture.phases[1], "up"));
  assert.match(up, /CREATE TRIGGER users_sync_fullname_name/);
  assert.doesNotMatch(up, /ADD COLUMN name|DROP COLUMN fullname/);
  const down = await download("02-dual_write.down.sql");
  assert.equal(down, renderPhase(fixture.phases[1], "down"));
  assert.match(down, /DROP TRIGGER users_sync_fullname_name ON public\.users/);
  const report = await download("plan.md");
  assert.equal(report, render(fixture, "markdown"));
  assert.match(report, /^# Migration plan/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("every text on the page has WCAG AA contrast against its background", async () => {
  const { page, context } = await openPage(session);
  await openFixture(page);
  await page.locator("#step-s2 .rollback summary").click();
  const failures = [];
  for (const tab of ["plan", "graph", "prove"]) {
    await page.click(`#tab-${tab}`);
    if (tab === "prove") {
      await page.click("#prove-button");
      await page.waitForSelector(".verdict-pass, .verdict-fail", { timeout: 120000 });
    }
    failures.push(
      ...(await page.evaluate(() => {
        const parse = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
        const luminance = ([r, g, b]) => {
          const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const background = (el) => {
          for (let e = el; e; e = e.parentElement ?? e.getRootNode().host) {
            const [r, g, b, a = 1] = parse(getComputedStyle(e).backgroundColor);
            if (a > 0.5) return [r, g, b];
          }
          return [255, 255, 255];
        };
        const out = [];
        const visit = (root) => {
          for (const el of root.querySelectorAll("*")) {
            if (el.shadowRoot) visit(el.shadowRoot);
            if (el instanceof SVGElement && el.tagName !== "text") continue;
            const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
            if (!text || el.closest("[aria-hidden=true], [hidden]") || el.getClientRects().length === 0) continue;
            const style = getComputedStyle(el);
            if (style.visibility === "hidden" || el.matches(":disabled")) continue;
            const fg = el instanceof SVGElement ? parse(style.fill) : parse(style.color);
            const bg = el instanceof SVGElement ? [255, 255, 255] : background(el);
            const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            const size = parseFloat(style.fontSize);
            const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
            if (ratio < (large ? 3 : 4.5)) out.push(`${ratio.toFixed(2)} ${el.tagName.toLowerCase()}.${String(el.className?.baseVal ?? el.className)} "${text.slice(0, 40)}"`);
          }
        };
        visit(document);
        return out;
      })),
    );
  }
  assert.deepEqual([...new Set(failures)], []);
  await context.close();
});
