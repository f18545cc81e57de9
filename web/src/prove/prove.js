// The Prove runner: applies a plan to PGlite exactly as plan-v1.md says, and checks it.
//
// 1. `to` is loaded into one PGlite instance: its catalog snapshot is the target.
// 2. `from` is loaded into another, with sample rows; its catalog and rows are recorded, and the
//    instance is cloned (the clone proves the rollback).
// 3. Every step runs in plan order: transactional steps in one transaction, others statement by
//    statement in autocommit, repeat_until_zero_rows steps batch after batch until a batch affects
//    0 rows. Then the catalog must equal the target.
// 4. On the clone: the steps before contract, then their rollbacks in reverse order. The catalog
//    must equal `from`'s again and every row must be unchanged.
//
// Pure logic over a PGlite-like object (exec/query/transaction/clone/close), so it runs in the
// page's worker and in Node alike. `report(event)` receives progress as it happens.

import { insertSampleRows, sampleRowInsert } from "./sample-rows.js";

/** A repeat_until_zero_rows step that is still affecting rows after this many batches has failed. */
export const MAX_BATCHES = 100000;

const CONSTRAINTS_OF_TABLE = "FROM pg_constraint con WHERE con.conrelid = r.oid";

/**
 * The snapshot query for plans targeting `serverVersion`. PostgreSQL 18 (PGlite) records every NOT
 * NULL as a named constraint (`users_name_not_null`); PostgreSQL 11–17 has no such names, so for
 * those targets they are left out (NOT NULL is still compared, as each column's `not_null`).
 */
export function snapshotQueryFor(snapshotSql, serverVersion) {
  if (!snapshotSql.includes(CONSTRAINTS_OF_TABLE)) throw new Error("pg-catalog-snapshot.sql changed: its constraint query is not found");
  if (serverVersion >= 18) return snapshotSql;
  return snapshotSql.replace(CONSTRAINTS_OF_TABLE, `${CONSTRAINTS_OF_TABLE} AND con.contype <> 'n'`);
}

/** `snapshotSql` is a query from snapshotQueryFor: one row, one JSON value. */
export async function catalogSnapshot(db, snapshotSql) {
  const result = await db.query(snapshotSql);
  const value = Object.values(result.rows[0] ?? {})[0];
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** Every table's rows, as sorted JSON text per table: equal when no row was lost or changed. */
export async function rowSnapshot(db, catalog) {
  const rows = {};
  for (const table of Object.keys(catalog.tables ?? {}).sort()) {
    const result = await db.query(
      `SELECT COALESCE(jsonb_agg(r ORDER BY r::text), '[]'::jsonb)::text AS rows FROM (SELECT to_jsonb(t) AS r FROM ${table} t) s`,
    );
    rows[table] = result.rows[0]?.rows ?? "[]";
  }
  return rows;
}

/** The paths at which two JSON values differ, e.g. `tables.public.users.columns.name`: at most `limit`. */
export function jsonDifferences(expected, actual, limit = 40) {
  const out = [];
  const walk = (a, b, path) => {
    if (out.length >= limit) return;
    const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObject(a) && isObject(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (!(key in b)) out.push({ path: [...path, key].join("."), expected: a[key], actual: undefined });
        else if (!(key in a)) out.push({ path: [...path, key].join("."), expected: undefined, actual: b[key] });
        else walk(a[key], b[key], [...path, key]);
        if (out.length >= limit) return;
      }
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: path.join("."), expected: a, actual: b });
  };
  walk(expected, actual, []);
  return out;
}

function message(error) {
  return String(error?.message ?? error);
}

/** Runs one list of statements under the step's rules; returns the number of batches run. */
async function runStatements(db, step, statements) {
  if (step.repeat_until_zero_rows) {
    let batches = 0;
    for (;;) {
      batches++;
      if (batches > MAX_BATCHES) throw new Error(`still affecting rows after ${MAX_BATCHES} batches`);
      let affected = 0;
      for (const statement of statements) {
        const results = await db.exec(statement);
        affected += results.reduce((sum, r) => sum + (r.affectedRows ?? 0), 0);
      }
      if (affected === 0) return batches;
    }
  }
  if (step.transactional) {
    await db.transaction(async (tx) => {
      for (const statement of statements) await tx.exec(statement);
    });
  } else {
    for (const statement of statements) await db.exec(statement);
  }
  return 1;
}

async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

/**
 * Loads SQL text into a database; the error says which file failed. psql meta-commands (lines
 * starting with a backslash, such as pg_dump's `\restrict`) are psql's, not SQL, and are left
 * out. Afterwards the session's settings are reset: a pg_dump file sets search_path to '' and
 * check_function_bodies off, and the plan's steps must run as a fresh connection would.
 */
export async function loadSchema(db, file, sql) {
  const withoutMetaCommands = sql
    .split("\n")
    .map((line) => (line.startsWith("\\") ? "" : line))
    .join("\n");
  try {
    await db.exec(withoutMetaCommands);
    await db.exec("RESET ALL");
  } catch (error) {
    throw new Error(`${file} does not load on PGlite: ${message(error)}`);
  }
}

/**
 * Enum labels the rollback left in place (PostgreSQL cannot drop an enum value): the only
 * difference plan-v1.md allows after a rollback. Returns the remaining differences.
 */
function withoutKeptEnumValues(differences, plan) {
  const addsEnumValue = plan.phases
    .filter((p) => p.name !== "contract")
    .some((p) => p.steps.some((s) => s.sql.some((sql) => /\bADD\s+VALUE\b/i.test(sql))));
  if (!addsEnumValue) return { remaining: differences, kept: [] };
  const kept = [];
  const remaining = differences.filter((d) => {
    const isEnum = d.path.startsWith("enums.") && Array.isArray(d.expected) && Array.isArray(d.actual);
    const superset = isEnum && d.expected.every((label) => d.actual.includes(label));
    if (superset) kept.push(d);
    return !superset;
  });
  return { remaining, kept };
}

const quoteIdent = (name) => `"${String(name).replace(/"/g, '""')}"`;

/**
 * Between dual_write and contract, old code (writing the old column) and new code (writing the
 * new one) must each see the other's writes. For every column rename of the hints whose two
 * columns both exist now: one row is updated through each name, and one row is inserted by "old
 * code" (only the columns of before.sql) and one by "new code" (only those of after.sql); each
 * time the other name must follow. Returns [{name, ok, error?}]; renames whose columns are not
 * both present are not checked.
 */
export async function dualWriteChecks(db, hints, fromCatalog, toCatalog) {
  const results = [];
  for (const rename of (hints?.renames ?? []).filter((r) => r.kind === "column")) {
    const table = rename.table;
    const present = await db
      .query(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = ANY($2) AND NOT attisdropped`, [table, [rename.from, rename.to]])
      .then((r) => r.rows[0]?.n ?? 0, () => 0);
    if (present !== 2) continue;
    for (const [written, other, who] of [[rename.from, rename.to, "old"], [rename.to, rename.from, "new"]]) {
      const w = quoteIdent(written);
      const o = quoteIdent(other);
      const name = `Old and new code in sync before contract: a write to ${table}.${written} (${who} code) shows in ${other}`;
      try {
        const rows = (await db.query(
          `UPDATE ${table} SET ${w} = (SELECT s.${w} FROM ${table} s ORDER BY s.ctid DESC LIMIT 1)
           WHERE ctid = (SELECT f.ctid FROM ${table} f ORDER BY f.ctid LIMIT 1)
           RETURNING (${w} IS NOT DISTINCT FROM ${o}) AS in_sync`,
        )).rows;
        if (rows.length === 0) results.push({ name, ok: true, note: "table empty: nothing to write" });
        else results.push({ name, ok: rows.every((r) => r.in_sync === true), error: rows.every((r) => r.in_sync) ? undefined : `${other} did not follow the write to ${written}` });
      } catch (error) {
        results.push({ name, ok: false, error: message(error) });
      }
    }
    const key = (await db.query("SELECT format('%I.%I', n.nspname, c.relname) AS key FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)", [table])).rows[0]?.key;
    const shapes = [
      ["old", fromCatalog?.tables?.[key]?.columns, rename.from, rename.to, 900001],
      ["new", toCatalog?.tables?.[key]?.columns, rename.to, rename.from, 900002],
    ];
    for (const [who, columns, written, other, row] of shapes) {
      if (!columns) continue;
      const name = `Old and new code in sync before contract: a row inserted by ${who} code (only ${written}) has ${other}`;
      const insert = await sampleRowInsert(db, table, row, new Set(Object.keys(columns)), `(${quoteIdent(written)} IS NOT DISTINCT FROM ${quoteIdent(other)}) AS in_sync`);
      if (!insert) continue;
      try {
        const synced = (await db.query(insert)).rows[0]?.in_sync === true;
        results.push({ name, ok: synced, error: synced ? undefined : `${other} did not follow the insert through ${written}` });
      } catch (error) {
        results.push({ name, ok: false, error: message(error) });
      }
    }
  }
  return results;
}

/**
 * Proves `plan` on PGlite. `createDb()` returns a fresh in-memory PGlite. Returns the full result;
 * `report` receives events: {kind: "stage"|"step"|"check", ...}.
 */
export async function prove({ plan, from, to, hints, snapshotSql, rowsPerTable = 20, createDb, report = () => {} }) {
  snapshotSql = snapshotQueryFor(snapshotSql, plan.server_version ?? 15);
  const result = { ok: false, stages: [], steps: [], rollback: [], checks: [], sampleRows: [], serverVersion: null };
  const stage = async (name, fn) => {
    report({ kind: "stage", name, state: "running" });
    try {
      const { value, ms } = await timed(fn);
      result.stages.push({ name, ok: true, ms });
      report({ kind: "stage", name, state: "passed", ms });
      return value;
    } catch (error) {
      result.stages.push({ name, ok: false, error: message(error) });
      report({ kind: "stage", name, state: "failed", error: message(error) });
      throw error;
    }
  };
  const check = (name, ok, detail) => {
    const entry = { name, ok, ...detail };
    result.checks.push(entry);
    report({ kind: "check", ...entry });
    return ok;
  };
  const opened = [];
  const open = async () => {
    const db = await createDb();
    opened.push(db);
    return db;
  };

  try {
    const target = await stage("Load after.sql into PGlite (the target)", async () => {
      const db = await open();
      result.serverVersion = (await db.query("SHOW server_version")).rows[0]?.server_version ?? null;
      await loadSchema(db, "after.sql", to);
      return catalogSnapshot(db, snapshotSql);
    });
    const { db, fromCatalog, fromRows } = await stage("Load before.sql with sample rows", async () => {
      const fromDb = await open();
      await loadSchema(fromDb, "before.sql", from);
      result.sampleRows = await insertSampleRows(fromDb, rowsPerTable);
      const catalog = await catalogSnapshot(fromDb, snapshotSql);
      return { db: fromDb, fromCatalog: catalog, fromRows: await rowSnapshot(fromDb, catalog) };
    });
    const rollbackDb = await stage("Clone it for the rollback run", async () => {
      const clone = await db.clone();
      opened.push(clone);
      return clone;
    });

    // Forward: every step in plan order.
    const steps = plan.phases.flatMap((phase) => phase.steps.map((step) => ({ phase: phase.name, step })));
    let forwardOk = true;
    let syncChecked = false;
    for (const { phase, step } of steps) {
      if (forwardOk && phase === "contract" && !syncChecked) {
        syncChecked = true;
        for (const entry of await dualWriteChecks(db, hints, fromCatalog, target)) check(entry.name, entry.ok, entry);
      }
      if (!forwardOk) {
        result.steps.push({ id: step.id, phase, state: "skipped" });
        report({ kind: "step", run: "apply", id: step.id, phase, state: "skipped" });
        continue;
      }
      report({ kind: "step", run: "apply", id: step.id, phase, state: "running" });
      try {
        const { value: batches, ms } = await timed(() => runStatements(db, step, step.sql));
        result.steps.push({ id: step.id, phase, state: "passed", ms, batches });
        report({ kind: "step", run: "apply", id: step.id, phase, state: "passed", ms, batches });
      } catch (error) {
        forwardOk = false;
        result.steps.push({ id: step.id, phase, state: "failed", error: message(error) });
        report({ kind: "step", run: "apply", id: step.id, phase, state: "failed", error: message(error) });
      }
    }
    if (forwardOk) {
      const applied = await catalogSnapshot(db, snapshotSql);
      const differences = jsonDifferences(target, applied);
      check("Catalog after every step equals after.sql", differences.length === 0, { differences });
    } else {
      check("Catalog after every step equals after.sql", false, { error: "a step failed" });
    }

    // Rollback: the steps before contract, then their rollbacks in reverse.
    const reversible = steps.filter(({ phase }) => phase !== "contract");
    let rollbackOk = true;
    const applyRecord = (run, id, phase, state, extra = {}) => {
      result.rollback.push({ run, id, phase, state, ...extra });
      report({ kind: "step", run, id, phase, state, ...extra });
    };
    for (const { phase, step } of reversible) {
      if (!rollbackOk) break;
      try {
        const { ms } = await timed(() => runStatements(rollbackDb, step, step.sql));
        applyRecord("reapply", step.id, phase, "passed", { ms });
      } catch (error) {
        rollbackOk = false;
        applyRecord("reapply", step.id, phase, "failed", { error: message(error) });
      }
    }
    for (const { phase, step } of [...reversible].reverse()) {
      if (!rollbackOk) {
        applyRecord("rollback", step.id, phase, "skipped");
        continue;
      }
      try {
        const undo = { ...step, repeat_until_zero_rows: false };
        const { ms } = await timed(() => runStatements(rollbackDb, undo, step.rollback));
        applyRecord("rollback", step.id, phase, "passed", { ms });
      } catch (error) {
        rollbackOk = false;
        applyRecord("rollback", step.id, phase, "failed", { error: message(error) });
      }
    }
    if (rollbackOk) {
      const back = await catalogSnapshot(rollbackDb, snapshotSql);
      const { remaining, kept } = withoutKeptEnumValues(jsonDifferences(fromCatalog, back), plan);
      check("Catalog after the rollbacks equals before.sql", remaining.length === 0, { differences: remaining, kept });
      const rowsBack = await rowSnapshot(rollbackDb, fromCatalog);
      const changed = Object.keys(fromRows).filter((t) => fromRows[t] !== rowsBack[t]);
      const total = result.sampleRows.reduce((sum, t) => sum + t.inserted, 0);
      check(`Rows unchanged after the rollbacks (${total} sample rows)`, changed.length === 0, {
        differences: changed.map((t) => ({ path: t, expected: "rows as loaded", actual: "rows changed" })),
      });
    } else {
      check("Catalog after the rollbacks equals before.sql", false, { error: "a step or rollback failed" });
    }
    result.ok =
      result.steps.every((s) => s.state === "passed") &&
      result.rollback.every((s) => s.state === "passed") &&
      result.checks.every((c) => c.ok);
  } catch (error) {
    result.error = message(error);
  } finally {
    for (const db of opened.reverse()) await db.close().catch(() => {});
  }
  report({ kind: "done", ok: result.ok });
  return result;
}
