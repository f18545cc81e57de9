// The npm package's benchmark, in one run:
//   1. plan() in Node (the WebAssembly build, conversions included) against shiftplan::plan native
//      (release build, in-process: crates/wasm/examples/native_plan_timing.rs) on the same input,
//      by default trigger.dev's schema after migration 400 → its final schema (state-400.sql and
//      hints in web/tests/fixtures/triggerdev, final_schema.sql in tests/corpus/triggerdev). Budget: ≤ 2×.
//   2. Module initialisation: a fresh Node process loading the package (read, compile, instantiate),
//      ESM import and CJS require. Budget: ≤ 100 ms.
// Usage (after `npm run build`): node tests/npm/bench.js [--from A.sql --to B.sql [--hints H.json]] [--runs N]
// Prints the figures and exits 1 when a budget is exceeded.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

import { loadPackage, pkgDir, repoRoot } from "./support.js";

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    to: { type: "string" },
    hints: { type: "string" },
    runs: { type: "string", default: "15" },
    rounds: { type: "string", default: "5" },
    "init-runs": { type: "string", default: "7" },
  },
});
const runs = Number(values.runs);
const fixtures = "web/tests/fixtures/triggerdev";
const defaults = existsSync(join(repoRoot, fixtures, "state-400.sql"))
  ? { from: `${fixtures}/state-400.sql`, to: "tests/corpus/triggerdev/final_schema.sql", hints: `${fixtures}/hints.json` }
  : {};
const from = values.from ?? defaults.from;
const to = values.to ?? defaults.to;
const hints = values.from ? values.hints : defaults.hints;
if (!from || !to) {
  console.error(`bench: ${fixtures} is missing; pass --from and --to`);
  process.exit(2);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Native (in-process, in a child) and WebAssembly (this process), interleaved in rounds so that
// both see the same load on a shared machine. Noise only ever adds time: the minimum of each is
// the steadiest figure, and the ratio is taken on it (medians reported too).
execFileSync("cargo", ["build", "--quiet", "--release", "-p", "shiftplan-wasm", "--example", "native_plan_timing"], {
  cwd: repoRoot,
  stdio: "inherit",
});
const nativeBinary = join(repoRoot, "target", "release", "examples", "native_plan_timing");
const { esm } = await loadPackage();
const input = {
  from: readFileSync(join(repoRoot, from), "utf8"),
  to: readFileSync(join(repoRoot, to), "utf8"),
  from_file: from,
  to_file: to,
};
if (hints) {
  input.hints = esm.parseHints(readFileSync(join(repoRoot, hints), "utf8"), hints);
  input.hints_file = hints;
}
const first = esm.plan(input); // warm-up; throws (with diagnostics) if the input does not plan
const steps = first.phases.reduce((n, phase) => n + phase.steps.length, 0);
const rounds = Math.max(1, Number(values.rounds));
const perRound = Math.max(1, Math.ceil(runs / rounds));
const nativeTimes = [];
const wasmTimes = [];
let nativeSteps;
for (let round = 0; round < rounds; round++) {
  const timing = JSON.parse(
    execFileSync(nativeBinary, [from, to, String(perRound), ...(hints ? [hints] : [])], { cwd: repoRoot, encoding: "utf8" }),
  );
  nativeTimes.push(...timing.times_ms);
  nativeSteps = timing.steps;
  for (let i = 0; i < perRound; i++) {
    const start = performance.now();
    esm.plan(input);
    wasmTimes.push(performance.now() - start);
  }
}
const nativeMin = Math.min(...nativeTimes);
const wasmMin = Math.min(...wasmTimes);

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

const ratio = wasmMin / nativeMin;
const wasmBytes = readFileSync(join(pkgDir, "dist", "shiftplan_bg.wasm")).length;
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`input: ${from} → ${to}${hints ? ` with ${hints}` : ""} (${steps} steps; native ${nativeSteps})`);
console.log(`plan() native (release, in-process): min ${ms(nativeMin)}, median ${ms(median(nativeTimes))} over ${nativeTimes.length} runs`);
console.log(`plan() WebAssembly in Node ${process.versions.node}: min ${ms(wasmMin)}, median ${ms(median(wasmTimes))} over ${wasmTimes.length} runs`);
console.log(`ratio WebAssembly / native (min/min): ${ratio.toFixed(2)}× (budget 2×); median/median ${(median(wasmTimes) / median(nativeTimes)).toFixed(2)}×`);
console.log(`module initialisation (fresh process, ${(wasmBytes / 1024).toFixed(0)} KB .wasm), median of ${values["init-runs"]}: ESM import ${ms(initEsm)}, CJS require ${ms(initCjs)} (budget 100 ms)`);

const over = [];
if (steps !== nativeSteps) over.push(`the two builds planned different step counts (${steps} vs ${nativeSteps})`);
if (ratio > 2) over.push(`plan() is ${ratio.toFixed(2)}× native`);
if (Math.max(initEsm, initCjs) > 100) over.push(`initialisation takes ${Math.max(initEsm, initCjs).toFixed(1)} ms`);
if (over.length > 0) {
  console.log(`OVER BUDGET: ${over.join("; ")}`);
  process.exit(1);
}
console.log("within budget");
