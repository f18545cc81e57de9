// The Prove runner on PGlite in Node, against a hand-written plan (tests/fixtures): it passes a
// correct plan and fails plans that are wrong in the ways a planner could be wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { prove, jsonDifferences } from "../src/prove/prove.js";

const read = (path) => readFileSync(new URL(path, import.meta.url), "utf8");
const snapshotSql = read("../src/prove/pg-catalog-snapshot.sql");
const from = read("../examples/rename-column/before.sql");
const to = read("../examples/rename-column/after.sql");
const fixture = () => JSON.parse(read("fixtures/rename-column.plan.json"));
const hints = JSON.parse(read("../examples/rename-column/hints.json"));
const createDb = () => PGlite.create();

test("a correct plan passes every step, the catalog check, the rollback and the row check", async () => {
  const events = [];
  const result = await prove({ plan: fixture(), from, to, hints, snapshotSql, rowsPerTable: 30, createDb, report: (e) => events.push(e) });
  assert.equal(result.error, undefined);
  assert.match(result.serverVersion, /^18\./);
  assert.deepEqual(result.steps.map((s) => [s.id, s.state]), [
    ["s1", "passed"], ["s2", "passed"], ["s3", "passed"], ["s4", "passed"],
    ["s5", "passed"], ["s6", "passed"], ["s7", "passed"], ["s8", "passed"],
  ]);
  // 30 rows in batches of 7: 5 batches that change rows, then the one that affects 0.
  assert.equal(result.steps.find((s) => s.id === "s3").batches, 6);
  assert.deepEqual(result.rollback.filter((s) => s.run === "rollback").map((s) => s.id), ["s6", "s5", "s4", "s3", "s2", "s1"]);
  assert.deepEqual(result.sampleRows, [{ table: "public.users", inserted: 30, skipped: 0 }]);
  assert.ok(result.checks.every((c) => c.ok), JSON.stringify(result.checks, null, 1));
  assert.deepEqual(result.checks.map((c) => c.name), [
    "Old and new code in sync before contract: a write to public.users.fullname (old code) shows in name",
    "Old and new code in sync before contract: a write to public.users.name (new code) shows in fullname",
    "Old and new code in sync before contract: a row inserted by old code (only fullname) has name",
    "Old and new code in sync before contract: a row inserted by new code (only name) has fullname",
    "Catalog after every step equals after.sql",
    "Catalog after the rollbacks equals before.sql",
    "Rows unchanged after the rollbacks (30 sample rows)",
  ]);
  assert.equal(result.ok, true);
  assert.ok(events.some((e) => e.kind === "step" && e.id === "s8" && e.state === "passed"));
  assert.deepEqual(events.at(-1), { kind: "done", ok: true });
});

test("a plan without its backfill fails at the step that needs the data", async () => {
  const plan = fixture();
  plan.phases[2].steps = plan.phases[2].steps.filter((s) => s.id !== "s3");
  const result = await prove({ plan, from, to, snapshotSql, rowsPerTable: 5, createDb });
  assert.equal(result.ok, false);
  const failed = result.steps.find((s) => s.state === "failed");
  assert.equal(failed.id, "s5");
  assert.match(failed.error, /users_name_not_null/);
  assert.equal(result.steps.find((s) => s.id === "s8").state, "skipped");
});

test("a rollback that leaves a column behind fails the catalog check and names the column", async () => {
  const plan = fixture();
  plan.phases[0].steps[0].rollback = [];
  const result = await prove({ plan, from, to, snapshotSql, rowsPerTable: 5, createDb });
  assert.equal(result.ok, false);
  const back = result.checks.find((c) => c.name.startsWith("Catalog after the rollbacks"));
  assert.equal(back.ok, false);
  assert.deepEqual(back.differences.map((d) => d.path), ["tables.public.users.columns.name"]);
});

test("a plan that does not reach after.sql fails the forward catalog check", async () => {
  const plan = fixture();
  plan.phases[3].steps = plan.phases[3].steps.filter((s) => s.id !== "s8");
  const result = await prove({ plan, from, to, snapshotSql, rowsPerTable: 5, createDb });
  const forward = result.checks.find((c) => c.name.startsWith("Catalog after every step"));
  assert.equal(forward.ok, false);
  assert.deepEqual(forward.differences.map((d) => d.path), ["tables.public.users.columns.fullname"]);
});

test("a dual-write trigger that syncs one way only fails the sync check of the other way", async () => {
  const plan = fixture();
  const sync = plan.phases[1].steps[0];
  sync.sql[0] = sync.sql[0].replace("NEW.fullname := NEW.name;", "NULL;");
  assert.notEqual(sync.sql[0], fixture().phases[1].steps[0].sql[0]);
  const result = await prove({ plan, from, to, hints, snapshotSql, rowsPerTable: 5, createDb });
  assert.equal(result.ok, false);
  assert.deepEqual(result.checks.filter((c) => !c.ok).map((c) => c.error), ["fullname did not follow the write to name"]);
});

test("a dual-write trigger that forgets inserts fails the insert checks", async () => {
  const plan = fixture();
  const sync = plan.phases[1].steps[0];
  sync.sql[0] = sync.sql[0]
    .replace("NEW.name := COALESCE(NEW.name, NEW.fullname);", "NULL;")
    .replace("NEW.fullname := COALESCE(NEW.fullname, NEW.name);", "NULL;");
  const result = await prove({ plan, from, to, hints, snapshotSql, rowsPerTable: 5, createDb });
  const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
  assert.ok(failed.includes("Old and new code in sync before contract: a row inserted by old code (only fullname) has name"), failed.join("\n"));
  assert.ok(failed.some((n) => n.includes("inserted by new code")), failed.join("\n"));
});

test("jsonDifferences names added, removed and changed paths", () => {
  assert.deepEqual(jsonDifferences({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3, d: 4 } }), [
    { path: "a.c", expected: 2, actual: 3 },
    { path: "a.d", expected: undefined, actual: 4 },
  ]);
});

test("a pg_dump file loads: its psql meta-commands are left out and its session settings reset", async () => {
  const { loadSchema } = await import("../src/prove/prove.js");
  const db = await PGlite.create();
  const dump = [
    "\\restrict abc123",
    "SELECT pg_catalog.set_config('search_path', '', false);",
    "SET check_function_bodies = false;",
    "CREATE TYPE public.mood AS ENUM ('ok');",
    "\\unrestrict abc123",
  ].join("\n");
  await loadSchema(db, "before.sql", dump);
  // Unqualified names resolve again, as in a fresh connection.
  await db.exec("CREATE TABLE t (m mood DEFAULT 'ok'::mood)");
  assert.equal((await db.query("SHOW check_function_bodies")).rows[0].check_function_bodies, "on");
  await assert.rejects(loadSchema(db, "after.sql", "CREATE TABLE broken ("), /^Error: after\.sql does not load on PGlite: /);
  await db.close();
});
