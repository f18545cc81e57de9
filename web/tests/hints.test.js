// The likely-rename suggestions: the hint the planner's message proposes, read back exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { renameFromDiagnostic, renameCandidates, backfillFromDiagnostic } from "../src/hints.js";

test("a column rename is read from the planner's likely-rename message", () => {
  const message =
    'column public.users.fullname is dropped and name of the same type is added: if it is a rename, say so in the hints ({"kind": "column", "table": "public.users", "from": "fullname", "to": "name"}); the plan drops and adds';
  assert.deepEqual(renameFromDiagnostic({ code: "likely-rename", message }), { kind: "column", table: "public.users", from: "fullname", to: "name" });
});

test("a table rename is read too; a message with no hint in it gives none", () => {
  const message =
    'table public.person is dropped and public.people is added with the same columns: if it is a rename, say so in the hints ({"kind": "table", "from": "public.person", "to": "public.people"}); the plan drops and creates';
  assert.deepEqual(renameFromDiagnostic({ message }), { kind: "table", from: "public.person", to: "public.people" });
  assert.equal(renameFromDiagnostic({ message: "column a.b is dropped" }), null);
  assert.equal(renameFromDiagnostic({ message: '({"kind": "column", "from": broken})' }), null);
});

test("a rename of a column of a quoted table is read from the planner's escaped JSON", () => {
  const message =
    'column public."TaskRun"."externalRef" is dropped and "lockedById" of the same type is added: if it is a rename, say so in the hints ({"kind": "column", "table": "public.\\"TaskRun\\"", "from": "externalRef", "to": "lockedById"}); the plan drops and adds';
  assert.deepEqual(renameFromDiagnostic({ message }), { kind: "column", table: 'public."TaskRun"', from: "externalRef", to: "lockedById" });
});

test("the table and column of a not-null-needs-backfill error are read, quotes and all", () => {
  const message =
    'column public."TaskRun".queue is added NOT NULL without a default: existing rows need a value. Add a backfill hint: {"backfill": [{"table": "public.\\"TaskRun\\"", "column": "queue", "expression": "..."}]}';
  assert.deepEqual(backfillFromDiagnostic({ message }), { table: 'public."TaskRun"', column: "queue" });
  assert.equal(backfillFromDiagnostic({ message: "column x is added" }), null);
});

test("a note with several candidates gives the closest one and how many there are", () => {
  const message =
    'column public."TaskRun"."externalRef" is dropped and 35 columns of the same type are added (closest name first: "friendlyId", "traceId", "masterQueue", queue, "scheduleId" and 30 more): if one is a rename, say so in the hints ({"kind": "column", "table": "public.\\"TaskRun\\"", "from": "externalRef", "to": "friendlyId"}); the plan drops and adds';
  assert.deepEqual(renameFromDiagnostic({ message }), { kind: "column", table: 'public."TaskRun"', from: "externalRef", to: "friendlyId" });
  assert.equal(renameCandidates({ message }), 35);
  const table =
    'table public.person is dropped and 3 tables with the same columns are added (closest name first: public.persons, public.people, public.place): if one is a rename, say so in the hints ({"kind": "table", "from": "public.person", "to": "public.persons"}); the plan drops and creates';
  assert.deepEqual(renameFromDiagnostic({ message: table }), { kind: "table", from: "public.person", to: "public.persons" });
  assert.equal(renameCandidates({ message: table }), 3);
  assert.equal(renameCandidates({ message: "column public.users.fullname is dropped and name of the same type is added: ..." }), 1);
});
