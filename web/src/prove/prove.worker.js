// Proving off the main thread: PGlite (PostgreSQL 18 in WebAssembly) runs here, so the page stays
// responsive while a plan is applied. Progress goes back as {id, final: false, event}.
import { PGlite } from "@electric-sql/pglite";
// The project's catalog snapshot query (a copy of ../shared/tools/pg-catalog-snapshot.sql).
import snapshotScript from "../../../tests/tools/pg-catalog-snapshot.sql?raw";
import { prove } from "./prove.js";

self.addEventListener("message", async (event) => {
  const { id, type, plan, from, to, hints, rowsPerTable } = event.data;
  if (type !== "prove") {
    self.postMessage({ id, ok: false, error: `unknown request ${type}` });
    return;
  }
  try {
    const result = await prove({
      plan,
      from,
      to,
      hints,
      snapshotScript,
      rowsPerTable,
      createDb: () => PGlite.create(),
      report: (progress) => self.postMessage({ id, final: false, event: progress }),
    });
    self.postMessage({ id, ok: true, result });
  } catch (error) {
    self.postMessage({ id, ok: false, error: String(error?.message ?? error) });
  }
});

self.postMessage({ type: "ready" });
