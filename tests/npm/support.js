// Shared helpers of the npm package tests: where things are, the native binary, the inputs.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const pkgDir = join(repoRoot, "pkg");
export const sharedDir = join(repoRoot, "..", "shared");

/** The package as Node ESM and CJS users load it (built by scripts/build-wasm). */
export async function loadPackage() {
  if (!existsSync(join(pkgDir, "dist", "shiftplan_bg.wasm"))) {
    throw new Error("pkg/dist is missing: run `npm run build` (scripts/build-wasm) first");
  }
  const esm = await import(join(pkgDir, "index.js"));
  const cjs = createRequire(import.meta.url)(join(pkgDir, "index.cjs"));
  return { esm, cjs };
}

let nativeBinary;
/** The native `shiftplan` command (crates/runner), built once per test process. */
export function native() {
  if (nativeBinary === undefined) {
    execFileSync("cargo", ["build", "--quiet", "-p", "shiftplan-runner"], { cwd: repoRoot, stdio: "inherit" });
    nativeBinary = join(repoRoot, "target", "debug", "shiftplan");
  }
  return nativeBinary;
}

/** Runs a command with the repository as working directory: its stdout, stderr and exit code. */
export function run(command, args) {
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

export const npxCli = join(pkgDir, "bin", "shiftplan.js");

/**
 * The planner fixtures: every folder under tests/fixtures holding a from/to pair (`from.sql` and
 * `to.sql`, or `before.sql` and `after.sql`), with its `hints.json` if present. Paths are relative
 * to the repository, as a user would type them.
 */
export function plannerFixtures() {
  const root = join(repoRoot, "tests", "fixtures");
  const found = [];
  const pairs = [
    ["from.sql", "to.sql"],
    ["before.sql", "after.sql"],
  ];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    const names = readdirSync(dir).sort();
    for (const [from, to] of pairs) {
      if (names.includes(from) && names.includes(to)) {
        const hints = names.includes("hints.json") ? relative(repoRoot, join(dir, "hints.json")) : undefined;
        found.push({
          name: relative(root, dir),
          from: relative(repoRoot, join(dir, from)),
          to: relative(repoRoot, join(dir, to)),
          hints,
        });
      }
    }
    for (const name of names) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
    }
  };
  walk(root);
  return found;
}

/** trigger.dev's migrations (tests/corpus/triggerdev, else ../shared/corpus/triggerdev), oldest first. */
export function triggerdevMigrations() {
  const candidates = [
    join(repoRoot, "tests", "corpus", "triggerdev", "migrations"),
    join(sharedDir, "corpus", "triggerdev", "migrations"),
  ];
  const dir = candidates.find((d) => existsSync(d));
  if (dir === undefined) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, "migration.sql")))
    .sort()
    .map((name) => join(dir, name, "migration.sql"));
}

/**
 * The schema after trigger.dev's first `count` migrations, as one SQL file under target/npm-tests
 * (path relative to the repository), or undefined without ../shared.
 */
export function triggerdevState(count) {
  const migrations = triggerdevMigrations();
  if (migrations.length < count) return undefined;
  const dir = join(repoRoot, "target", "npm-tests", "triggerdev");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `state-${String(count).padStart(3, "0")}.sql`);
  const sql = migrations
    .slice(0, count)
    .map((file) => readFileSync(file, "utf8"))
    .join("\n");
  writeFileSync(path, sql);
  return relative(repoRoot, path);
}

/** trigger.dev's final schema: every migration, as one SQL file (see triggerdevState). */
export function triggerdevFinal() {
  const count = triggerdevMigrations().length;
  return count > 0 ? triggerdevState(count) : undefined;
}
