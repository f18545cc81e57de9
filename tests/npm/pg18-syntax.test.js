// Every statement the planner renders parses with PostgreSQL 18's own parser (libpg_query 18): the
// steps and rollbacks of every fixture's plan.json, and its psql script plan.sql. The proof on
// PostgreSQL runs on 15; this is what checks the shapes planned for 18 (NOT NULL NOT VALID) are
// SQL that PostgreSQL 18 reads as meant.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";

import { loadModule, parse } from "libpg-query";

import { repoRoot } from "./support.js";

const fixtures = join(repoRoot, "tests/fixtures");
const planned = readdirSync(fixtures)
  .filter((d) => existsSync(join(fixtures, d, "plan.json")))
  .sort();

before(async () => {
  await loadModule();
});

/// The nodes of a parse tree of one kind, depth first.
function nodes(tree, kind, out = []) {
  if (Array.isArray(tree)) {
    for (const t of tree) nodes(t, kind, out);
  } else if (tree && typeof tree === "object") {
    for (const [k, v] of Object.entries(tree)) {
      if (k === kind) out.push(v);
      nodes(v, kind, out);
    }
  }
  return out;
}

test("the fixtures with plans are found", () => {
  assert.ok(planned.length >= 20, `${planned.length} fixtures`);
  assert.ok(planned.includes("set_not_null_pg18"));
});

test("every step and rollback statement of every fixture's plan parses with PostgreSQL 18's parser", async () => {
  const failures = [];
  let statements = 0;
  for (const dir of planned) {
    const plan = JSON.parse(readFileSync(join(fixtures, dir, "plan.json"), "utf8"));
    for (const phase of plan.phases) {
      for (const step of phase.steps) {
        for (const sql of [...step.sql, ...step.rollback]) {
          statements += 1;
          try {
            const tree = await parse(sql);
            if (tree.stmts.length !== 1) failures.push(`${dir} ${step.id}: ${tree.stmts.length} statements in one: ${sql}`);
          } catch (e) {
            failures.push(`${dir} ${step.id}: ${e.message}: ${sql}`);
          }
        }
      }
    }
  }
  assert.ok(statements > 200, `${statements} statements`);
  assert.deepEqual(failures, []);
});

test("every fixture's psql script parses with PostgreSQL 18's parser (psql's meta-commands aside)", async () => {
  const failures = [];
  for (const dir of planned) {
    const script = readFileSync(join(fixtures, dir, "plan.sql"), "utf8")
      .split("\n")
      .filter((line) => !line.startsWith("\\"))
      .join("\n");
    try {
      await parse(script);
    } catch (e) {
      failures.push(`${dir}/plan.sql: ${e.message}`);
    }
  }
  assert.deepEqual(failures, []);
});

test("the plan for PostgreSQL 18 adds each NOT NULL as a NOT VALID not-null constraint, then validates it", async () => {
  const plan = JSON.parse(readFileSync(join(fixtures, "set_not_null_pg18/plan.json"), "utf8"));
  assert.equal(plan.server_version, 18);
  const added = [];
  const validated = [];
  for (const step of plan.phases.flatMap((p) => p.steps)) {
    for (const sql of step.sql) {
      const tree = await parse(sql);
      for (const c of nodes(tree, "Constraint")) {
        if (c.contype === "CONSTR_NOTNULL" && c.skip_validation) {
          added.push(`${c.conname}(${c.keys.map((k) => k.String.sval).join(",")})`);
        }
        assert.notEqual(c.contype, "CONSTR_CHECK", `${step.id} uses the CHECK shape on 18: ${sql}`);
      }
      for (const cmd of nodes(tree, "AlterTableCmd")) {
        if (cmd.subtype === "AT_ValidateConstraint") validated.push(cmd.name);
        assert.notEqual(cmd.subtype, "AT_SetNotNull", `${step.id} sets NOT NULL with a scan: ${sql}`);
      }
    }
  }
  assert.deepEqual(added, [
    "tickets_priority_shiftplan_new_not_null(priority_shiftplan_new)",
    "tickets_owner_not_null(owner)",
    "tickets_subject_not_null(subject)",
  ]);
  assert.deepEqual(validated, added.map((a) => a.split("(")[0]));
});
