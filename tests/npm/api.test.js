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
  assert.deepEqual(Object.keys(esm).sort(), ["formatDiagnostics", "inspect", "parseHints", "plan", "render", "version"]);
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
