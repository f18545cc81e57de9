// The package plans exactly as the native command does: for every planner fixture (and, where
// ../shared is present, real schema changes from trigger.dev's history), `npx shiftplan plan` and
// `plan()` give the native `shiftplan plan` output byte for byte, errors and exit codes included.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";

import {
  loadPackage,
  native,
  npxCli,
  plannerFixtures,
  repoRoot,
  run,
  triggerdevFinal,
  triggerdevMigrations,
  triggerdevState,
} from "./support.js";

// Output options compared: the default (json), each format, and a --fail-on that makes hazards
// exit with 1.
const FORMAT_ARGS = [[], ["--format", "json"], ["--format", "sql"], ["--format", "markdown"], ["--fail-on", "safe"]];
const FORMATS = ["json", "sql", "markdown"];

function cases() {
  const all = plannerFixtures().map((f) => ({ ...f, name: `fixture ${f.name}` }));
  // Consecutive states of a real application's schema: small real changes, and a large one.
  const count = triggerdevMigrations().length;
  for (const [a, b] of [
    [1, 2],
    [40, 41],
    [120, 121],
    [399, 400],
  ]) {
    if (count >= b) all.push({ name: `trigger.dev ${a} → ${b}`, from: triggerdevState(a), to: triggerdevState(b) });
  }
  // The benchmark's input: trigger.dev's pg_dump at migration 400 and at the end, with hints.
  const web = "web/tests/fixtures/triggerdev";
  if (existsSync(join(repoRoot, web, "state-400.sql"))) {
    all.push({ name: "trigger.dev pg_dump 400 → final", from: `${web}/state-400.sql`, to: "tests/corpus/triggerdev/final_schema.sql", hints: `${web}/hints.json` });
  }
  const final = triggerdevFinal();
  if (final && count >= 400) all.push({ name: "trigger.dev 400 → final", from: triggerdevState(400), to: final });
  return all;
}

const all = cases();
let shiftplan;

before(async () => {
  shiftplan = (await loadPackage()).esm;
  native();
});

test("there are inputs to compare", () => {
  assert.ok(all.length > 0, "no planner fixture under tests/fixtures and no ../shared/corpus/triggerdev");
});

for (const c of all) {
  describe(c.name, () => {
    const args = ["plan", "--from", c.from, "--to", c.to, ...(c.hints ? ["--hints", c.hints] : [])];

    for (const format of FORMAT_ARGS) {
      test(`npx shiftplan ${[...args, ...format].join(" ")} prints what the native command prints`, () => {
        const want = run(native(), [...args, ...format]);
        const got = run(process.execPath, [npxCli, ...args, ...format]);
        assert.equal(got.stderr, want.stderr);
        assert.equal(got.stdout, want.stdout);
        assert.equal(got.status, want.status);
      });
    }

    test("npx shiftplan plan --out-dir writes the files the native command writes", () => {
      const dirs = ["native", "npx"].map((who) => mkdtempSync(join(tmpdir(), `shiftplan-out-${who}-`)));
      try {
        const want = run(native(), [...args, "--out-dir", dirs[0]]);
        const got = run(process.execPath, [npxCli, ...args, "--out-dir", dirs[1]]);
        assert.equal(got.stdout, want.stdout);
        assert.equal(got.status, want.status);
        const files = dirs.map((dir) => readdirSync(dir).sort());
        assert.deepEqual(files[1], files[0]);
        for (const file of files[0]) {
          assert.equal(readFileSync(join(dirs[1], file), "utf8"), readFileSync(join(dirs[0], file), "utf8"), file);
        }
      } finally {
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      }
    });

    test("plan() returns the native JSON document, key for key, and render() its formats", () => {
      const want = run(native(), args);
      const input = {
        from: readFileSync(join(repoRoot, c.from), "utf8"),
        to: readFileSync(join(repoRoot, c.to), "utf8"),
        from_file: c.from,
        to_file: c.to,
      };
      if (c.hints) {
        input.hints = shiftplan.parseHints(readFileSync(join(repoRoot, c.hints), "utf8"), c.hints);
        input.hints_file = c.hints;
      }
      let result;
      try {
        result = shiftplan.plan(input);
      } catch (error) {
        assert.ok(Array.isArray(error.diagnostics), `plan() threw without diagnostics: ${error.stack}`);
        assert.equal(`${error.message}\n`, want.stderr);
        assert.equal(want.status, 2);
        return;
      }
      assert.equal(`${JSON.stringify(result, null, 2)}\n`, want.stdout);
      assert.ok(want.status === 0 || want.status === 1, want.stderr);
      for (const format of FORMATS) {
        assert.equal(shiftplan.render(result, format), run(native(), [...args, "--format", format]).stdout, format);
      }
    });
  });
}
