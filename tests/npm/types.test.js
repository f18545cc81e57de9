// The TypeScript declarations (generated from the Rust types by tsify) type real callers under
// `tsc --strict`, reject wrong ones, and describe the documents the planner really returns: the
// native JSON of plans and inspections, pasted as literals, must check against `Plan` and
// `Inspection` (excess or missing keys, `null` against `undefined`, maps as records all fail).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { loadPackage, native, pkgDir, plannerFixtures, repoRoot, run } from "./support.js";

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(here, "node_modules", "typescript", "bin", "tsc");
let project;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    types: [],
    skipLibCheck: false,
  },
};

before(async () => {
  await loadPackage(); // fails with a clear message when pkg/dist is not built
  project = mkdtempSync(join(tmpdir(), "shiftplan-types-"));
  mkdirSync(join(project, "node_modules"));
  symlinkSync(pkgDir, join(project, "node_modules", "shiftplan"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** Runs tsc --strict on the given files (name → source) in a fresh folder of the project. */
function compile(name, files) {
  const dir = join(project, name);
  mkdirSync(dir);
  for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, file), source);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ ...TSCONFIG, files: Object.keys(files) }));
  const result = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const ESM_CONSUMER = `
import { inspect, parseHints, plan, render, version } from "shiftplan";
import type { Hints, Inspection, Plan, PlanInput, Severity, Step } from "shiftplan";

const hints: Hints = { renames: [{ kind: "column", table: "public.users", from: "fullname", to: "name" }] };
const input: PlanInput = { from: "CREATE TABLE a (id int);", to: "CREATE TABLE a (id bigint);", hints, options: { server_version: 16 } };

function worst(p: Plan): Severity {
  const steps: Step[] = p.phases.flatMap((phase) => phase.steps);
  const severities = steps.flatMap((s) => s.hazards.map((h) => h.severity));
  return severities.includes("dangerous") ? "dangerous" : p.safety;
}

try {
  const p: Plan = plan(input);
  const checkpoint: string | null = p.phases[0]?.app_checkpoint ?? null;
  const fingerprints: Record<string, string> = p.objects.from;
  const text: string = render(p, "json");
  console.log(worst(p), checkpoint, Object.keys(fingerprints).length, text.length);
} catch (error) {
  console.error(error);
}
const inspection: Inspection = inspect("CREATE TABLE a (id int);", "a.sql");
for (const [name, table] of Object.entries(inspection.catalog.tables)) {
  for (const column of Object.values(table.columns)) console.log(name, column.name, column.default ?? "no default");
}
const fromFile: Hints = parseHints("{}", "hints.json");
const v: string = version();
console.log(fromFile, v, inspection.diagnostics.map((d) => d.line ?? 0));
`;

const CJS_CONSUMER = `
import shiftplan = require("shiftplan");
const p: shiftplan.Plan = shiftplan.plan({ from: "", to: "" });
const n: number = p.server_version;
console.log(n, shiftplan.version());
`;

test("a strict ESM consumer and a strict CJS consumer compile against the declarations", () => {
  const result = compile("consumers", { "esm.ts": ESM_CONSUMER, "cjs.cts": CJS_CONSUMER });
  assert.equal(result.status, 0, result.output);
});

// Each wrong call and the error tsc must give for it.
const WRONG = {
  "missing-to.ts": [`import { plan } from "shiftplan";\nplan({ from: "" });\n`, /TS2345|TS2741/],
  "column-rename-without-table.ts": [
    `import { plan } from "shiftplan";\nplan({ from: "", to: "", hints: { renames: [{ kind: "column", from: "a", to: "b" }] } });\n`,
    /TS2322|TS2345/,
  ],
  "unknown-option.ts": [`import { plan } from "shiftplan";\nplan({ from: "", to: "", options: { pg: 15 } });\n`, /TS2353|TS2345/],
  "severity-typo.ts": [`import type { Severity } from "shiftplan";\nconst s: Severity = "unsafe";\nconsole.log(s);\n`, /TS2322|TS2820/],
  "nullable-checkpoint.ts": [
    `import { plan } from "shiftplan";\nconst c: string = plan({ from: "", to: "" }).phases[0]!.app_checkpoint;\nconsole.log(c);\n`,
    /TS2322/,
  ],
  "render-format.ts": [`import { plan, render } from "shiftplan";\nrender(plan({ from: "", to: "" }), "pdf");\n`, /TS2345/],
};

for (const [file, [source, error]] of Object.entries(WRONG)) {
  test(`tsc --strict rejects a wrong caller: ${file}`, () => {
    const result = compile(`wrong-${file.replace(/\W/g, "-")}`, { [file]: source });
    assert.notEqual(result.status, 0, `${file} compiled:\n${source}`);
    assert.match(result.output, error);
  });
}

test("the native JSON of plans and inspections checks against Plan and Inspection", () => {
  const documents = [];
  const sampleInspect = "tests/npm/inputs/inspect.sql";
  const inspected = run(native(), ["inspect", sampleInspect, "--format", "json"]);
  assert.ok(inspected.stdout.length > 0, inspected.stderr);
  documents.push(["Inspection", inspected.stdout]);
  documents.push(["Plan", readFileSync(join(repoRoot, "tests/npm/inputs/plan.json"), "utf8")]);
  for (const f of plannerFixtures()) {
    const planned = run(native(), ["plan", "--from", f.from, "--to", f.to, ...(f.hints ? ["--hints", f.hints] : [])]);
    if (planned.status === 0 || planned.status === 1) documents.push(["Plan", planned.stdout]);
  }
  const source = [
    `import type { Inspection, Plan } from "shiftplan";`,
    ...documents.map(([type, json], i) => `export const document${i}: ${type} = ${json.trim()};`),
  ].join("\n");
  const result = compile("documents", { "documents.ts": source });
  assert.equal(result.status, 0, result.output);
});
