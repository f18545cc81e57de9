// The npm package's benchmark, in one run:
//   1. plan() in Node (the WebAssembly build, conversions included) against shiftplan::plan native
//      (release build, in-process: crates/wasm/examples/native_plan_timing.rs) on the same input,
//      by default trigger.dev's schema after migration 400 → its final schema. Budget: ≤ 2×.
//   2. Module initialisation: a fresh Node process loading the package (read, compile, instantiate),
//      ESM import and CJS require. Budget: ≤ 100 ms.
// Usage (after `npm run build`): node tests/npm/bench.js [--from A.sql --to B.sql] [--runs N]
// Prints the figures and exits 1 when a budget is exceeded.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

import { loadPackage, pkgDir, repoRoot, triggerdevFinal, triggerdevState } from "./support.js";

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    to: { type: "string" },
    runs: { type: "string", default: "15" },
    "init-runs": { type: "string", default: "7" },
  },
});
const runs = Number(values.runs);
const from = values.from ?? triggerdevState(400);
const to = values.to ?? triggerdevFinal();
if (!from || !to) {
  console.error("bench: trigger.dev's migrations are missing (tests/corpus/triggerdev); pass --from and --to");
  process.exit(2);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Native, in-process.
execFileSync("cargo", ["build", "--quiet", "--release", "-p", "shiftplan-wasm", "--example", "native_plan_timing"], {
  cwd: repoRoot,
  stdio: "inherit",
});
const nativeTiming = JSON.parse(
  execFileSync(join(repoRoot, "target", "release", "examples", "native_plan_timing"), [from, to, String(runs)], {
    cwd: repoRoot,
    encoding: "utf8",
  }),
);

// WebAssembly in Node, this process.
const { esm } = await loadPackage();
const input = {
  from: readFileSync(join(repoRoot, from), "utf8"),
  to: readFileSync(join(repoRoot, to), "utf8"),
  from_file: from,
  to_file: to,
};
const first = esm.plan(input); // warm-up; throws (with diagnostics) if the input does not plan
const steps = first.phases.reduce((n, phase) => n + phase.steps.length, 0);
const wasmTimes = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  esm.plan(input);
  wasmTimes.push(performance.now() - start);
}
const wasmMedian = median(wasmTimes);

// Module initialisation, in fresh processes.
function initTime(kind) {
  const load =
    kind === "esm"
      ? `const t = performance.now(); await import(${JSON.stringify(join(pkgDir, "index.js"))}); console.log(performance.now() - t);`
      : `const t = performance.now(); require(${JSON.stringify(join(pkgDir, "index.cjs"))}); console.log(performance.now() - t);`;
  const times = [];
  for (let i = 0; i < Number(values["init-runs"]); i++) {
    const out = execFileSync(process.execPath, [`--input-type=${kind === "esm" ? "module" : "commonjs"}`, "-e", load], {
      encoding: "utf8",
    });
    times.push(Number(out.trim()));
  }
  return median(times);
}
const initEsm = initTime("esm");
const initCjs = initTime("cjs");

const ratio = wasmMedian / nativeTiming.median_ms;
const wasmBytes = readFileSync(join(pkgDir, "dist", "shiftplan_bg.wasm")).length;
console.log(`input: ${from} → ${to} (${steps} steps; native ${nativeTiming.steps})`);
console.log(`plan() native (release, in-process): median ${nativeTiming.median_ms.toFixed(2)} ms over ${nativeTiming.runs} runs`);
console.log(`plan() WebAssembly in Node ${process.versions.node}: median ${wasmMedian.toFixed(2)} ms over ${runs} runs`);
console.log(`ratio WebAssembly / native: ${ratio.toFixed(2)}× (budget 2×)`);
console.log(`module initialisation (fresh process, ${(wasmBytes / 1024).toFixed(0)} KB .wasm): ESM import ${initEsm.toFixed(1)} ms, CJS require ${initCjs.toFixed(1)} ms (budget 100 ms)`);

const over = [];
if (steps !== nativeTiming.steps) over.push(`the two builds planned different step counts (${steps} vs ${nativeTiming.steps})`);
if (ratio > 2) over.push(`plan() is ${ratio.toFixed(2)}× native`);
if (Math.max(initEsm, initCjs) > 100) over.push(`initialisation takes ${Math.max(initEsm, initCjs).toFixed(1)} ms`);
if (over.length > 0) {
  console.log(`OVER BUDGET: ${over.join("; ")}`);
  process.exit(1);
}
console.log("within budget");
