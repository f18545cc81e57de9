// The packed tarball (`npm pack` of pkg/), installed in an empty folder, works the four ways users
// load it: Node ESM import, Node CJS require, a Vite production build of a page (in headless
// Chromium), and a plain <script type="module"> (in headless Chromium); and `npx shiftplan` runs.
// Each way must give what the package gives in this Node process.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { probe } from "./app/probe.js";
import { resultOfPage, serve } from "./browser.js";
import { loadPackage, native, pkgDir, repoRoot } from "./support.js";

const here = dirname(fileURLToPath(import.meta.url));
let scratch;
let app;
let tarball;
let expected;

function npm(args, cwd) {
  return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, encoding: "utf8" });
}

before(async () => {
  const { esm } = await loadPackage();
  expected = JSON.parse(JSON.stringify(probe(esm)));
  scratch = mkdtempSync(join(tmpdir(), "shiftplan-pack-"));
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", scratch], pkgDir));
  tarball = join(scratch, packed[0].filename);
  app = join(scratch, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  npm(["install", tarball], app);
  for (const file of readdirSync(join(here, "app"))) copyFileSync(join(here, "app", file), join(app, file));
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("the tarball holds the entries, the module, the declarations and the CLI, and nothing else", () => {
  const listing = JSON.parse(npm(["pack", "--dry-run", "--json"], pkgDir))[0].files.map((f) => f.path).sort();
  assert.deepEqual(listing, [
    "README.md",
    "bin/shiftplan.js",
    "browser.js",
    "dist/shiftplan.d.cts",
    "dist/shiftplan.d.ts",
    "dist/shiftplan_bg.wasm",
    "dist/shiftplan_node.cjs",
    "dist/shiftplan_web.js",
    "index.cjs",
    "index.js",
    "package.json",
  ]);
});

test("Node ESM: import { plan } from 'shiftplan'", () => {
  const script = `import * as shiftplan from "shiftplan"; import { probe } from "./probe.js"; process.stdout.write(JSON.stringify(probe(shiftplan)));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), expected);
});

test("Node CJS: require('shiftplan')", () => {
  const script = `import("./probe.js").then(({ probe }) => process.stdout.write(JSON.stringify(probe(require("shiftplan")))));`;
  const out = execFileSync(process.execPath, ["--input-type=commonjs", "-e", script], { cwd: app, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), expected);
});

test("the installed `shiftplan` bin (what npx runs) plans as the native command does", () => {
  const schema = join(repoRoot, "tests/npm/inputs/inspect.sql");
  const args = ["plan", "--from", schema, "--to", schema];
  // The link npm made in node_modules/.bin, run directly: npx itself may print npm's warnings.
  const got = spawnSync(join(app, "node_modules", ".bin", "shiftplan"), args, { cwd: app, encoding: "utf8" });
  const want = spawnSync(native(), args, { cwd: app, encoding: "utf8" });
  assert.equal(got.stdout, want.stdout);
  assert.equal(got.stderr, want.stderr);
  assert.equal(got.status, want.status);
});

test("a Vite production build of a page calls plan() in headless Chromium", async () => {
  const { build } = await import("vite");
  await build({ root: app, logLevel: "error", build: { outDir: join(app, "dist"), emptyOutDir: true } });
  const assets = readdirSync(join(app, "dist", "assets"));
  assert.ok(assets.some((file) => file.endsWith(".wasm")), `no .wasm among the built assets: ${assets}`);
  const server = await serve(join(app, "dist"));
  try {
    const { text, errors } = await resultOfPage(`${server.url}/index.html`);
    assert.deepEqual(errors, []);
    assert.deepEqual(JSON.parse(text), expected);
  } finally {
    await server.close();
  }
});

test("a plain <script type=module> imports the package's browser entry in headless Chromium", async () => {
  const server = await serve(app);
  try {
    const { text, errors } = await resultOfPage(`${server.url}/plain.html`);
    assert.deepEqual(errors, []);
    assert.deepEqual(JSON.parse(text), expected);
  } finally {
    await server.close();
  }
});

test("the package's version is the one packed", () => {
  const installed = JSON.parse(readFileSync(join(app, "node_modules", "shiftplan", "package.json"), "utf8"));
  assert.equal(installed.version, expected.version);
  assert.ok(tarball.endsWith(`shiftplan-${expected.version}.tgz`), tarball);
});
