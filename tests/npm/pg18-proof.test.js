// The plan for PostgreSQL 18 (tests/fixtures/set_not_null_pg18: NOT NULL NOT VALID + VALIDATE
// CONSTRAINT) proven on PostgreSQL 18, which PGlite is: the steps before contract applied with
// rows in the table, old and new writers checked, rolled back to the same catalog and rows; then
// every step applied gives the catalog of to.sql loaded alone (columns, types, NOT NULL, and the
// names and validity of constraints, not-null ones included). The Rust proof runs on the
// PostgreSQL 15 server, which cannot run this plan.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { PGlite } from "@electric-sql/pglite";

import { repoRoot } from "./support.js";

const dir = join(repoRoot, "tests/fixtures/set_not_null_pg18");
const read = (name) => readFileSync(join(dir, name), "utf8");

/// Runs a step's statements as plan-v1.md says.
async function run(db, step, statements) {
  if (step.repeat_until_zero_rows && statements === step.sql) {
    for (let i = 0; i < 100000; i += 1) {
      const r = await db.query(statements[0]);
      if (r.affectedRows === 0) return;
    }
    throw new Error(`${step.id}: the batch never reached 0 rows`);
  }
  if (step.transactional) {
    await db.exec(["BEGIN", ...statements, "COMMIT"].join(";\n"));
  } else {
    for (const s of statements) await db.exec(s);
  }
}

/// What the test compares: the user schemas' relations, columns and constraints, and the rows.
async function catalog(db) {
  const columns = await db.query(`
    SELECT n.nspname || '.' || c.relname || '.' || a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS not_null, a.attidentity AS identity, pg_get_expr(d.adbin, d.adrelid) AS default
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY 1`);
  const constraints = await db.query(`
    SELECT n.nspname || '.' || c.relname || '.' || k.conname AS name, k.contype AS type, k.convalidated AS valid,
           pg_get_constraintdef(k.oid) AS definition
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    ORDER BY 1`);
  const objects = await db.query(`
    SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text AS object
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`);
  const schemas = await db.query(
    "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1",
  );
  return { columns: columns.rows, constraints: constraints.rows, objects: objects.rows, schemas: schemas.rows };
}

async function rows(db) {
  const r = await db.query("SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM public.tickets t");
  return r.rows[0];
}

test("the PostgreSQL 18 plan applies, dual-writes, rolls back and reaches to.sql on PostgreSQL 18 (PGlite)", async () => {
  const plan = JSON.parse(read("plan.json"));
  assert.equal(plan.server_version, 18);
  const db = new PGlite();
  const version = (await db.query("SHOW server_version_num")).rows[0].server_version_num;
  assert.ok(Number(version) >= 180000, version);
  await db.exec(read("from.sql"));
  await db.exec(read("seed.sql"));
  const fromCatalog = await catalog(db);
  const fromRows = await rows(db);

  const steps = plan.phases.flatMap((p) => p.steps);
  const early = plan.phases.filter((p) => p.name !== "contract").flatMap((p) => p.steps);
  for (const step of early) await run(db, step, step.sql);

  // Between dual_write and contract: the NOT VALID constraints of the backfilled columns are
  // validated; old code writes the table, new code the view with the final shape.
  const notNull = await db.query(
    "SELECT conname, convalidated FROM pg_constraint WHERE contype = 'n' AND conrelid = 'public.tickets'::regclass ORDER BY 1",
  );
  assert.deepEqual(
    notNull.rows.filter((r) => r.conname.startsWith("tickets_owner") || r.conname.startsWith("tickets_priority_shiftplan")),
    [
      { conname: "tickets_owner_not_null", convalidated: true },
      { conname: "tickets_priority_shiftplan_new_not_null", convalidated: true },
    ],
  );
  await db.exec("BEGIN");
  await db.exec("INSERT INTO public.tickets (id, subject, priority) VALUES (100001, 'old', 3)");
  await db.exec("SET LOCAL search_path = public_shiftplan_new, public");
  await db.exec("INSERT INTO tickets (id, subject, priority, owner) VALUES (100002, 'new', 4, 'ann')");
  const seen = await db.query(
    "SELECT id, priority::text AS priority, pg_typeof(priority)::text AS type, owner FROM tickets WHERE id > 100000 ORDER BY id",
  );
  assert.deepEqual(seen.rows, [
    { id: 100001, priority: "3", type: "bigint", owner: "nobody" },
    { id: 100002, priority: "4", type: "bigint", owner: "ann" },
  ]);
  const old = await db.query("SELECT priority FROM public.tickets WHERE id = 100002");
  assert.deepEqual(old.rows, [{ priority: 4 }]);
  await db.exec("ROLLBACK");

  for (const step of [...early].reverse()) {
    assert.ok(step.reversible, step.id);
    await run(db, step, step.rollback);
  }
  assert.deepEqual(await catalog(db), fromCatalog);
  assert.deepEqual(await rows(db), fromRows);

  for (const step of steps) await run(db, step, step.sql);
  const target = new PGlite();
  await target.exec(read("to.sql"));
  assert.deepEqual(await catalog(db), await catalog(target));
  await db.close();
  await target.close();
});
