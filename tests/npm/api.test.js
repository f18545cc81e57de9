// The package's API in Node: what it exports, how it reports bad input, and that it keeps working
// after any error.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";

import { loadPackage, native, pkgDir, repoRoot, run } from "./support.js";

let esm;
let cjs;

before(async () => {
  ({ esm, cjs } = await loadPackage());
});

test("ESM import and CJS require give the same module instance and exports", () => {
  assert.deepEqual(Object.keys(esm).sort(), ["formatDiagnostics", "inspect", "parseHints", "plan", "render", "renderPhase", "version"]);
  for (const name of Object.keys(esm)) assert.equal(esm[name], cjs[name], name);
});

test("version() is the package's version", () => {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  assert.equal(esm.version(), pkg.version);
});

// Each malformed input and the field its TypeError must name.
const MALFORMED = [
  [undefined, /^input: expected an object/],
  [{ to: "" }, /^input: missing field `from`/],
  [{ from: 1, to: "" }, /^input\.from: invalid type: number, expected a string/],
  [{ from: "", to: "", hints: { renames: [{ kind: "table", from: "a", to: "b" }] }, from_file: ["a.sql"] }, /^input\.from_file: invalid type: object, expected a string/],
  [{ from: "", to: "", option: {} }, /^input\.option: unknown field `option`/],
  [{ from: "", to: "", hints: { renamez: [] } }, /^input\.hints\.renamez: unknown field `renamez`/],
  [{ from: "", to: "", hints: { renames: [{ kind: "column", table: "public.t", from: "a" }] } }, /^input\.hints\.renames\[0\]: missing field `to`/],
  [{ from: "", to: "", hints: { renames: [{ kind: "col", from: "a", to: "b" }] } }, /^input\.hints\.renames\[0\]\.kind: unknown variant `col`/],
  [{ from: "", to: "", hints: { backfill: [{ table: "public.t", column: "c", expression: 1 }] } }, /^input\.hints\.backfill\[0\]\.expression: invalid type/],
  [{ from: "", to: "", options: { server_version: "15" } }, /^input\.options\.server_version: invalid type: string "15", expected u32/],
  [{ from: "", to: "", options: { server_version: 15, pg: 1 } }, /^input\.options\.pg: unknown field `pg`/],
  [{ from: "", to: "", hints: { renames: [{ kind: "table", from: "a", to: "b", extra: 1n }] } }, /^input\.hints: cannot be read as JSON/],
  ["CREATE TABLE t ()", /^input: expected an object/],
];

for (const [input, message] of MALFORMED) {
  test(`plan(${inspectValue(input)}) throws a TypeError naming the field`, () => {
    assert.throws(() => esm.plan(input), (error) => {
      assert.ok(error instanceof TypeError, `${error}`);
      assert.match(error.message, message);
      return true;
    });
  });
}

test("bad SQL throws an Error whose diagnostics name file, line and column", () => {
  const from = "CREATE TABLE public.t (id integer);\n";
  const to = "CREATE TABLE public.t (id integer);\nCREATE TABLE public.u (id integer,, note text);\n";
  assert.throws(() => esm.plan({ from, to, to_file: "after.sql" }), (error) => {
    assert.ok(error instanceof Error && !(error instanceof TypeError), `${error}`);
    assert.ok(error.diagnostics.length >= 1);
    const [first] = error.diagnostics;
    assert.deepEqual([first.severity, first.file, first.line], ["error", "after.sql", 2]);
    assert.ok(Number.isInteger(first.column) && first.column > 1, JSON.stringify(first));
    assert.equal(error.message.split("\n")[0], `after.sql:2:${first.column}: error: ${first.message}`);
    assert.equal(esm.formatDiagnostics(error.diagnostics), error.message);
    return true;
  });
});

test("plan() plans a real change: phases in order, steps with SQL and rollback, null checkpoints as null", () => {
  const from = "CREATE TABLE public.users (id bigint PRIMARY KEY, fullname text);";
  const to = "CREATE TABLE public.users (id bigint PRIMARY KEY, name text);";
  const hints = { renames: [{ kind: "column", table: "public.users", from: "fullname", to: "name" }] };
  const result = esm.plan({ from, to, hints });
  assert.equal(result.format, "shiftplan.plan/1");
  const order = ["expand", "dual_write", "backfill", "contract"];
  const names = result.phases.map((phase) => phase.name);
  assert.deepEqual(names, [...names].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
  const steps = result.phases.flatMap((phase) => phase.steps);
  assert.ok(steps.length > 0);
  for (const step of steps) assert.ok(step.sql.length > 0, step.id);
  for (const phase of result.phases) assert.ok(phase.app_checkpoint === null || typeof phase.app_checkpoint === "string");
  assert.equal(Object.getPrototypeOf(result.objects.from), Object.prototype);
});

test("the module stays usable after every kind of error", () => {
  const healthy = () => esm.inspect("CREATE TABLE t (id integer);", "t.sql");
  const baseline = healthy();
  for (const [input] of MALFORMED) {
    assert.throws(() => esm.plan(input));
    assert.deepEqual(healthy(), baseline);
  }
  assert.throws(() => esm.parseHints("{", "h.json"));
  assert.throws(() => esm.render({}, "json"));
  assert.throws(() => esm.render(undefined, "pdf"));
  assert.throws(() => esm.plan({ from: "CREATE TABLE (;", to: "" }));
  assert.throws(() => esm.formatDiagnostics([{ severity: "fatal", message: "x" }]));
  assert.deepEqual(healthy(), baseline);
});

test("inspect() gives the native `shiftplan inspect --format json` document", () => {
  const file = "tests/npm/inputs/inspect.sql";
  const want = run(native(), ["inspect", file, "--format", "json"]);
  assert.equal(want.status === 0 || want.status === 2, true, want.stderr);
  const got = esm.inspect(readFileSync(join(repoRoot, file), "utf8"), file);
  assert.equal(`${JSON.stringify(got, null, 2)}\n`, want.stdout);
});

test("parseHints() reads a hints document, and names file, line and column of a bad one", () => {
  const text = readFileSync(join(repoRoot, "tests/npm/inputs/hints.json"), "utf8");
  assert.deepEqual(esm.parseHints(text, "hints.json"), JSON.parse(text));
  assert.throws(
    () => esm.parseHints('{\n  "renames": [\n    {"kind": "column", "table": "public.users", "from": "a", "too": "b"}\n  ]\n}', "bad.json"),
    (error) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /^bad\.json:\d+:\d+: error: invalid hints at renames\[0\]: unknown field `too`/);
      assert.equal(error.diagnostics.length, 1);
      assert.deepEqual(
        { file: error.diagnostics[0].file, line: error.diagnostics[0].line, severity: error.diagnostics[0].severity },
        { file: "bad.json", line: 4, severity: "error" },
      );
      return true;
    },
  );
});

test("render(plan, 'json') writes a plan document back as the native JSON text", () => {
  const text = readFileSync(join(repoRoot, "tests/npm/inputs/plan.json"), "utf8");
  assert.equal(esm.render(JSON.parse(text), "json"), text);
});

test("render() names what is wrong with its arguments", () => {
  assert.throws(() => esm.render({ format: "shiftplan.plan/1" }, "json"), /^TypeError: plan: missing field `dialect`/);
  const plan = JSON.parse(readFileSync(join(repoRoot, "tests/npm/inputs/plan.json"), "utf8"));
  assert.throws(() => esm.render(plan, "pdf"), /^TypeError: format: unknown variant `pdf`/);
});

function inspectValue(value) {
  if (value === undefined) return "undefined";
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
}
