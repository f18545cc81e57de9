// The graph's edges: the transitive reduction of depends_on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { drawnEdges } from "../src/graph.js";

const step = (id, depends_on) => ({ id, depends_on });

test("a dependency implied through another path is not drawn", () => {
  const plan = { phases: [
    { name: "expand", steps: [step("s1", []), step("s2", ["s1"])] },
    { name: "backfill", steps: [step("s3", ["s1", "s2"]), step("s4", ["s1", "s3"]), step("s5", ["s1"])] },
  ] };
  assert.deepEqual(drawnEdges(plan), [["s1", "s2"], ["s2", "s3"], ["s3", "s4"], ["s1", "s5"]]);
});

test("independent dependencies are all drawn; unknown ids are ignored", () => {
  const plan = { phases: [{ name: "expand", steps: [step("a", []), step("b", []), step("c", ["a", "b", "zz"])] }] };
  assert.deepEqual(drawnEdges(plan), [["a", "c"], ["b", "c"]]);
});
